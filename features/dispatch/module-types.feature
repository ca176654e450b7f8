Feature: Which firmware files the MM dispatcher runs
  The supervisor hosts Standalone MM drivers only: it dispatches FFS files of type MM_STANDALONE (0x0E) that
  carry an MM_DEPEX section (supervisor-facts §2.1, §2.7). A traditional DXE_SMM_DRIVER build (FFS type SMM,
  0x0A), a combined MM/DXE file or a DXE driver is never launched in MM; it has to be converted first.

  Background:
    Given the platform "q35"

  @req:SUPV-021 @req:SEED-000-002 @req:SEED-001-028
  Scenario Outline: Only an MM_STANDALONE file is dispatched (<type>)
    Given the firmware volume holds the MM drivers:
      | name    | depex | type   |
      | Probe   | TRUE  | <type> |
      | Control | TRUE  |        |
    When the platform boots
    Then the MM driver "Probe" <outcome>
    And the MM driver "Control" starts at CPL 3
    And the system keeps running

    Examples:
      | type                 | outcome           |
      | MM_STANDALONE        | starts at CPL 3   |
      | SMM                  | never starts      |
      | COMBINED_MM_DXE      | never starts      |
      | DRIVER               | never starts      |
      | COMBINED_PEIM_DRIVER | never starts      |
      | MM_CORE              | never starts      |

  @req:SEED-000-012 @req:SEED-002-005
  Scenario: A DXE_SMM_DRIVER build is not run until it is converted to MM_STANDALONE
    # The same driver twice: as a traditional build (FFS type SMM = EFI_FV_FILETYPE_SMM) and as its
    # Standalone MM port (module type MM_STANDALONE).
    Given the firmware volume holds the MM drivers:
      | name              | depex | type          |
      | VariableSmm       | TRUE  | SMM           |
      | VariableStandalone | TRUE | MM_STANDALONE |
    And the MM driver "VariableSmm" runs on entry:
      """
      - install_protocol: gVariableReady
      """
    And the MM driver "VariableStandalone" runs on entry:
      """
      - install_protocol: gVariableReady
      """
    And the firmware volume holds the MM drivers:
      | name          | depex          |
      | VariableUser  | gVariableReady |
    When the platform boots
    Then the MM driver "VariableSmm" never starts
    And the MM drivers start in this order:
      | VariableStandalone |
      | VariableUser       |

  @req:SEED-001-008
  Scenario: A combined MM/DXE file is not launched by the Standalone MM dispatcher, even when its depex is met
    Given the firmware volume holds the MM drivers:
      | name       | depex | type            | installs  |
      | Provider   | TRUE  |                 | gProvided |
      | Combined   | gProvided | COMBINED_MM_DXE |       |
    When the platform boots
    Then the MM driver "Provider" starts at CPL 3
    And the MM driver "Combined" never starts

  @req:SUPV-022
  Scenario: An MM_STANDALONE file without an MM_DEPEX section is never run
    Given the firmware volume holds the MM drivers:
      | name       | depex |
      | NoDepex    |       |
      | WithDepex  | TRUE  |
    When the platform boots
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MM driver "NoDepex" never starts
    And the MM driver "WithDepex" starts at CPL 3

  @req:SEED-001-009
  Scenario Outline: The MM dispatcher evaluates MM_DEPEX and ignores DXE_DEPEX (<case>)
    Given the firmware volume holds the MM drivers with a DXE_DEPEX section:
      | name  | depex     | dxe_depex   |
      | Probe | <mm_depex> | <dxe_depex> |
    When the platform boots
    Then the MM driver "Probe" <outcome>

    Examples:
      | case                                      | mm_depex      | dxe_depex                   | outcome         |
      | MM_DEPEX TRUE, DXE_DEPEX never satisfied  | TRUE          | gSomeDxeOnlyProtocol        | starts at CPL 3 |
      | MM_DEPEX TRUE, DXE_DEPEX FALSE            | TRUE          | FALSE                       | starts at CPL 3 |
      | no MM_DEPEX, DXE_DEPEX TRUE               |               | TRUE                        | never starts    |
      | MM_DEPEX unmet, DXE_DEPEX TRUE            | gNeverInstalled | TRUE                      | never starts    |
