Feature: Dependency expressions decide when an MM driver starts
  The supervisor evaluates each driver's MM_DEPEX against its own protocol database (supervisor-facts §2.2):
  PUSH is TRUE only for a protocol installed in MM — user drivers' installs reach it through the broker's
  mirror —, never for a DXE protocol; SOR is not understood, and a malformed expression evaluates FALSE.

  Background:
    Given the platform "q35"

  @req:SUPV-026 @req:SEED-001-033
  Scenario: A protocol a user driver installs through the MM services satisfies a later driver's depex
    Given the firmware volume holds the MM drivers:
      | name     | depex     | installs  |
      | Consumer | gSensorReady |        |
      | Provider | TRUE      | gSensorReady |
    When the platform boots
    Then the MM driver "Consumer" starts right after the MM driver "Provider"

  @req:SUPV-026
  Scenario: A protocol installed from the entry-point actions (MmInstallProtocolInterface) satisfies a depex
    Given the firmware volume holds the MM drivers:
      | name     | depex        |
      | Consumer | gLateService |
      | Provider | TRUE         |
    And the MM driver "Provider" runs on entry:
      """
      - install_protocol: gLateService
      """
    When the platform boots
    Then the MM drivers start in this order:
      | Provider |
      | Consumer |

  @req:SUPV-026 @req:SEED-001-033
  Scenario: A protocol nobody installs in MM keeps the depending driver from starting
    Given the firmware volume holds the MM drivers:
      | name     | depex          | installs     |
      | Provider | TRUE           | gSensorReady |
      | Waiting  | gSensorMissing |              |
    When the platform boots
    Then the MM driver "Provider" starts at CPL 3
    And the MM driver "Waiting" never starts

  @req:SEED-000-015 @req:SEED-001-011 @req:SEED-002-008
  Scenario Outline: A dependency on a DXE protocol is never satisfied in MM (<protocol>)
    # The DXE protocols exist by the time DXE asks the supervisor to dispatch again; MM never sees them.
    Given the firmware volume holds the MM drivers:
      | name       | depex      |
      | DxeBound   | <protocol> |
      | MmOnly     | TRUE       |
    When the platform boots to "end of DXE"
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MMI reply payload starts with the status EFI_SUCCESS
    And the MM driver "DxeBound" never starts
    And the MM driver "MmOnly" starts at CPL 3

    Examples:
      | protocol                                   |
      | gEfiSmmControl2ProtocolGuid                |
      | gMmSupervisorCommunicationProtocolGuid     |
      | gMmSupervisorUnblockMemoryProtocolGuid     |
      | gEfiDxeSmmReadyToLockProtocolGuid          |

  @req:SUPV-024
  Scenario Outline: A depex containing SOR never lets the driver start (<where>)
    Given the firmware volume holds the MM drivers with raw MM_DEPEX bytes:
      | name    | MM_DEPEX bytes |
      | WithSor | <bytes>        |
      | Plain   | 06 08          |
    When the platform boots
    Then the MM driver "WithSor" never starts
    And the MM driver "Plain" starts at CPL 3

    Examples:
      | where                        | bytes       |
      | SOR first (SOR TRUE END)     | 09 06 08    |
      | SOR in the middle            | 06 09 08    |
      | SOR before END of TRUE OR TRUE | 06 06 04 09 08 |

  @req:SUPV-024
  Scenario: The depex text "SOR TRUE" never lets the driver start
    Given the firmware volume holds the MM drivers:
      | name    | depex    |
      | WithSor | SOR TRUE |
      | Plain   | TRUE     |
    When the platform boots
    Then the MM driver "WithSor" never starts
    And the MM driver "Plain" starts at CPL 3

  @req:SUPV-025
  Scenario Outline: A malformed depex evaluates FALSE (<defect>)
    Given the firmware volume holds the MM drivers with raw MM_DEPEX bytes:
      | name      | MM_DEPEX bytes |
      | Malformed | <bytes>        |
      | Plain     | 06 08          |
    When the platform boots
    Then the MM driver "Malformed" never starts
    And the MM driver "Plain" starts at CPL 3

    Examples:
      | defect                                  | bytes          |
      | stack underflow at AND (TRUE AND END)   | 06 03 08       |
      | stack underflow at OR (TRUE OR END)     | 06 04 08       |
      | stack underflow at NOT (NOT END)        | 05 08          |
      | runs past the end (TRUE, no END)        | 06             |
      | runs past the end in a PUSH operand     | 02 01 02 03    |
      | unknown opcode 0x0A before END          | 06 0A 08       |
      | unknown opcode 0xFF before END          | 06 FF 08       |
      | END with an empty stack                 | 08             |
