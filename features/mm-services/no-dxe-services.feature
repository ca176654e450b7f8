Feature: MM drivers use MM services and MM protocols only
  Inside MM there are no boot services, runtime services, DXE services or DXE protocols, and no PCD protocol, so
  only FixedAtBuild PCDs work; during initialisation and at runtime alike a Standalone MM driver reaches only the
  MM services table and the MM protocol database (seed 000/002 "MM Drivers Implementation/Conversion", seed 001
  "MM Driver Initialization and Runtime Phases"; supervisor-facts §2.2 rule 2, §2.7, §3.9).

  Background:
    Given the platform "q35"
    And the firmware volume holds the MM drivers:
      | name  | depex |
      | Probe | TRUE  |

  @req:SEED-000-017 @req:SEED-002-010 @req:SEED-001-032
  Scenario Outline: There is no PCD protocol in MM, during initialisation or at runtime (<protocol>)
    Given the MM driver "Probe" locates the protocol "<guid>" on entry
    And the MM driver "Runner" locates the protocol "<guid>" when MMI "gAskPcd" arrives
    When the platform boots to "end of DXE"
    And DXE sends MMI "gAskPcd" on the user channel
    Then the entry point of the MM driver "Probe" returned EFI_NOT_FOUND
    And the MMI handler of the MM driver "Runner" returned EFI_NOT_FOUND

    Examples:
      | protocol                 | guid                                 |
      | gPcdProtocolGuid         | 11B34006-D85B-4D0A-A290-D5A571310EF7 |
      | gEfiPcdProtocolGuid      | 13A3F0F6-264A-3EF0-F2E0-DEC512342F34 |
      | gGetPcdInfoProtocolGuid  | 5BE40F57-FA68-4610-BBBF-E9C5FCDAD365 |
      | gEfiGetPcdInfoProtocolGuid | FD0F4478-0EFD-461D-BA2D-E58C45FD5F5E |

  @req:SEED-001-003 @req:SEED-001-004
  Scenario Outline: During initialisation a driver finds MM protocols but no DXE protocol (<protocol>)
    Given the MM driver "Probe" locates the protocol "<protocol>" on entry
    When the platform boots
    Then the entry point of the MM driver "Probe" returned <status>

    Examples:
      | protocol                               | status        |
      | gEfiMmCpuProtocolGuid                  | EFI_SUCCESS   |
      | gMmRing3HandlerReadyProtocol           | EFI_SUCCESS   |
      | gEfiSmmControl2ProtocolGuid            | EFI_NOT_FOUND |
      | gEfiSmmAccess2ProtocolGuid             | EFI_NOT_FOUND |
      | gEfiMmCommunication2ProtocolGuid       | EFI_NOT_FOUND |
      | gMmSupervisorCommunicationProtocolGuid | EFI_NOT_FOUND |

  @req:SEED-001-006 @req:SEED-001-004
  Scenario Outline: At runtime a driver's MMI handler finds MM protocols but no DXE protocol (<protocol>)
    Given the MM driver "Probe" runs on entry:
      """
      - install_protocol: gProbeService
      """
    And the MM driver "Runner" locates the protocol "<protocol>" when MMI "gAsk" arrives
    When the platform boots to "ready to boot"
    And DXE sends MMI "gAsk" on the user channel
    Then the MMI handler of the MM driver "Runner" returned <status>
    And the MMI return status is <status>

    Examples:
      | protocol                               | status        |
      | gEfiMmCpuProtocolGuid                  | EFI_SUCCESS   |
      | gMmRing3HandlerReadyProtocol           | EFI_SUCCESS   |
      | gProbeService                          | EFI_SUCCESS   |
      | gEfiSmmControl2ProtocolGuid            | EFI_NOT_FOUND |
      | gMmSupervisorUnblockMemoryProtocolGuid | EFI_NOT_FOUND |
      | gEfiDxeSmmReadyToLockProtocolGuid      | EFI_NOT_FOUND |

  @req:SEED-000-018 @req:SEED-002-011 @req:SEED-003-002 @req:SEED-001-004
  Scenario: What a driver is handed is an MM system table, not the EFI system table with its boot and runtime services
    When the platform boots
    Then the MM driver "Probe" receives an MM system table that lies in MMRAM
    And the MM system table the MM driver "Probe" receives has these fields:
      | field           | value      |
      | Signature       | 0x54534D53 |
      | MmAllocatePages | a service  |
      | MmFreePages     | a service  |

  @req:SEED-000-019 @req:SEED-002-012 @req:SEED-003-002
  Scenario Outline: The MM system table carries no DXE or UEFI configuration table (<table>)
    When the platform boots
    Then the MM system table the MM driver "Probe" receives lists no configuration table "<guid>"

    Examples:
      | table                      | guid                                 |
      | gEfiDxeServicesTableGuid   | 05AD34BA-6F02-4214-952E-4DA0398E2BB9 |
      | gEfiHobListGuid            | 7739F24C-93D7-11D4-9A3A-0090273FC14D |
      | gEfiMemoryAttributesTableGuid | DCFA911D-26EB-469F-A220-38B7DC461220 |
      | gEfiAcpi20TableGuid        | 8868E871-E4F1-11D3-BC22-0080C73C8881 |

  @req:SEED-000-018 @req:SEED-002-011 @req:SEED-001-004
  Scenario: Memory DXE owns is out of reach: a driver reading DXE runtime memory is stopped
    Given the MM driver "Probe" runs on entry:
      """
      - read: 0x20000000
      """
    When the platform boots
    Then the supervisor stops the system for a "page fault"
    And the telemetry names the MM driver "Probe"
