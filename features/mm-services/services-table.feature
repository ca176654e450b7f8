Feature: The MM system table handed to MM drivers
  A Standalone MM driver's entry point gets (ImageHandle, EFI_MM_SYSTEM_TABLE*). Under the supervisor the table
  is the user-mode gMmst the Ring 3 broker registered: it lies in MMRAM and keeps the traditional gSmst layout
  field for field (supervisor-facts §2.6, §3.9).

  Background:
    Given the platform "q35"
    And the firmware volume holds the MM drivers:
      | name   | depex |
      | Ported | TRUE  |

  @req:SEED-001-027 @req:SEED-003-003
  Scenario: The entry point receives its image handle and a pointer to an EFI_MM_SYSTEM_TABLE in MMRAM
    Given the MM driver "Ported" locates the protocol "gEfiMmCpuProtocolGuid" on entry
    When the platform boots
    Then the MM driver "Ported" receives an MM system table that lies in MMRAM
    And the MM driver "Ported" receives the handle of its LoadedImage protocol as its image handle
    And the entry point of the MM driver "Ported" returned EFI_SUCCESS

  @req:SEED-000-013 @req:SEED-002-006
  Scenario: Every gSmst field has its counterpart at the same place in the gMmst a driver receives
    When the platform boots
    Then the MM system table the MM driver "Ported" receives has these fields:
      | field                        | value     |
      | Signature                    | 0x54534D53 |
      | MmInstallConfigurationTable  | a service |
      | MmIo.Mem.Read                | a service |
      | MmIo.Mem.Write               | a service |
      | MmIo.Io.Read                 | a service |
      | MmIo.Io.Write                | a service |
      | MmAllocatePool               | a service |
      | MmFreePool                   | a service |
      | MmAllocatePages              | a service |
      | MmFreePages                  | a service |
      | MmStartupThisAp              | a service |
      | NumberOfCpus                 | 2         |
      | CpuSaveStateSize             | NULL      |
      | CpuSaveState                 | NULL      |
      | MmInstallProtocolInterface   | a service |
      | MmHandleProtocol             | a service |
      | MmLocateProtocol             | a service |
      | MmiHandlerRegister           | a service |
      | MmiHandlerUnRegister         | a service |
      | MmiManage                    | NULL      |

  @req:SEED-000-013 @req:SEED-002-006
  Scenario: A driver calls the MM services through the gSmst offsets of its table
    Given the MM driver "Ported" runs on entry:
      """
      - install_protocol: gPortedReady
      - allocate_pages: { pages: 1 }
      - save_state_read: { register: PROCESSOR_ID, cpu: 0 }
      """
    And the MM driver "Ported" handles MMI "gPortedPing" with:
      """
      - return: EFI_SUCCESS
      """
    And the firmware volume holds the MM drivers:
      | name     | depex        |
      | Consumer | gPortedReady |
    When the platform boots to "DXE"
    And DXE sends MMI "gPortedPing" on the user channel
    Then the entry point of the MM driver "Ported" returned EFI_SUCCESS
    And the MM driver "Consumer" starts right after the MM driver "Ported"
    And the MMI return status is EFI_SUCCESS
    And the system keeps running
