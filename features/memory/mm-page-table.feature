Feature: What the MM page table maps
  At the end of core init the supervisor builds the MM page table (supervisor-facts §1.6): everything outside
  MMRAM is not present unless a rule maps it — MMIO and firmware-device ranges (user RW NX), IOMMU regions
  (RO NX), the comm buffers and mailboxes (supervisor RW NX) and unblocked ranges. Inside MMRAM the owner decides
  user or supervisor. These scenarios read the live page tables and run driver code against them.

  Background:
    Given the platform "q35"

  @req:SUPV-007
  Scenario: Outside MMRAM only MMIO, firmware-device, IOMMU, comm-buffer and unblocked ranges are present
    Given PEI asks to unblock 0x2000 bytes at 0x10000000
    When the platform boots
    Then no page outside MMRAM is present in the MM page table except MMIO, firmware-device, IOMMU, comm-buffer and unblocked ranges

  @req:SUPV-007 @req:SEED-001-013
  Scenario Outline: System memory outside MMRAM that nobody unblocked is not present (<what>)
    When the platform boots
    Then the page at <address> is "not present" in the MM page table

    Examples:
      | what                          | address     |
      | low DRAM                      | 0x00001000  |
      | the PEI HOB list              | 0x01000000  |
      | free runtime-data memory      | 0x10000000  |
      | DXE runtime memory            | 0x3F700000  |
      | above all described memory    | 0x100000000 |

  @req:SEED-001-013
  Scenario: A buffer DXE allocated before ready-to-lock is out of MM's reach until it is unblocked
    Given the MM driver "Reader" handles MMI "ReadDxeBuffer" with:
      """
      - read: 0x10000000
      """
    When the platform boots to "DXE"
    And DXE sends MMI "ReadDxeBuffer" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14

  @req:SEED-001-013
  Scenario: The same buffer is reachable once DXE has unblocked it
    Given the MM driver "Reader" handles MMI "ReadDxeBuffer" with:
      """
      - read: 0x10000000
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    And DXE sends MMI "ReadDxeBuffer" on the user channel
    Then the MMI return status is EFI_SUCCESS
    And the system keeps running

  @req:SUPV-008
  Scenario Outline: The MMIO range <what> is a present user page, writable and not executable
    When the platform boots
    Then the page at <address> is "user read-write no-execute" in the MM page table

    Examples:
      | what           | address    |
      | PCIe ECAM      | 0xE0000000 |
      | IOAPIC         | 0xFEC00000 |
      | HPET           | 0xFED00000 |
      | local APIC     | 0xFEEFF000 |
      | firmware flash | 0xFFFFF000 |

  @req:SUPV-008
  Scenario: A FIRMWARE_DEVICE resource range is a present user page, writable and not executable
    Given PEI publishes a firmware device resource HOB of 0x10000 bytes at 0x60000000
    When the platform boots
    Then the page at 0x60000000 is "user read-write no-execute" in the MM page table
    And the page at 0x6000F000 is "user read-write no-execute" in the MM page table
    And the page at 0x60010000 is "not present" in the MM page table

  @req:SUPV-008
  Scenario: A driver can read an MMIO range but not execute from it
    Given the MM driver "MmioUser" handles MMI "UseMmio" with:
      """
      - read: 0xFED00000
      - execute: 0xFED00000
      """
    When the platform boots
    And DXE sends MMI "UseMmio" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14

  @req:SUPV-009
  Scenario: An IOMMU protected region is present, read-only and not executable
    Given PEI publishes an IOMMU protected-region HOB for 2 pages at 0xFED90000
    When the platform boots
    Then the page at 0xFED90000 is "user read-only no-execute" in the MM page table
    And the page at 0xFED91000 is "user read-only no-execute" in the MM page table
    And the page at 0xFED92000 is "not present" in the MM page table

  @req:SUPV-009
  Scenario: Writing into an IOMMU protected region faults
    Given PEI publishes an IOMMU protected-region HOB for 1 page at 0xFED90000
    And the MM driver "IommuPoker" handles MMI "PokeIommu" with:
      """
      - read: 0xFED90000
      - write: { address: 0xFED90000, value: 1 }
      """
    When the platform boots
    And DXE sends MMI "PokeIommu" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry names the MM driver "IommuPoker"

  @req:SUPV-010
  Scenario: Physical page 0 is not mapped and a NULL dereference in a driver faults
    Given the MM driver "NullReader" handles MMI "ReadNull" with:
      """
      - read: 0
      """
    When the platform boots
    Then the page at 0x0 is "not present" in the MM page table
    When DXE sends MMI "ReadNull" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14

  @req:SUPV-010
  Scenario: Page 0 is mapped when a resource HOB declares MMIO there
    Given the platform "q35-mmio-page0"
    When the platform boots
    Then the page at 0x0 is "user read-write no-execute" in the MM page table
    And the page at 0x1000 is "not present" in the MM page table

  @req:SUPV-011
  Scenario Outline: The <region> is a supervisor page, writable, not executable (<milestone>)
    When the platform boots to "<milestone>"
    Then the <region> is "supervisor read-write no-execute" in the MM page table

    Examples:
      | region                 | milestone  |
      | supervisor comm buffer | end of PEI |
      | user comm buffer       | end of PEI |
      | supervisor mailbox     | end of PEI |
      | user mailbox           | end of PEI |
      | supervisor comm buffer | runtime    |
      | user comm buffer       | runtime    |
      | supervisor mailbox     | runtime    |
      | user mailbox           | runtime    |

  @req:SUPV-012
  Scenario: The core image and the firmware policy are supervisor-only; the policy is read-only
    When the platform boots
    Then every page of the MM core image is for the supervisor only
    And every page of the firmware policy is for the supervisor only
    And the firmware policy is "supervisor read-only no-execute" in the MM page table

  @req:SUPV-013
  Scenario: The MMRAM copy of the HOB list is user-readable, read-only and not executable
    When the platform boots
    Then the MMRAM copy of the HOB list is "user read-only no-execute" in the MM page table

  @req:SUPV-013
  Scenario: A driver can read the HOB list copy that SMM_QRY_HOB returns
    Given the MM driver "HobReader" runs on entry:
      """
      - asm: |
          mov eax, 0x1001b
          push r11
          syscall
          pop r11
          mov al, [rax]
      """
    When the platform boots
    Then the MM driver "HobReader" starts at CPL 3
    And the system keeps running

  @req:SUPV-013
  Scenario: A driver writing into the HOB list copy faults
    Given the MM driver "HobWriter" runs on entry:
      """
      - asm: |
          mov eax, 0x1001b
          push r11
          syscall
          pop r11
          mov byte [rax], 0
      """
    When the platform boots
    Then the supervisor stops the system for a "page fault"
    And the telemetry names the MM driver "HobWriter"

  @req:SUPV-031
  Scenario: A loaded driver's code is user read-only executable and its data user read-write no-execute
    Given the firmware volume holds the MM drivers:
      | name      | depex |
      | Something | TRUE  |
    When the platform boots
    Then the code of the MM driver "Something" is "user read-only executable" in the MM page table
    And the data of the MM driver "Something" is "user read-write no-execute" in the MM page table
    And the code of the MM driver "MmSupervisorRing3Broker" is "user read-only executable" in the MM page table
    And the data of the MM driver "MmSupervisorRing3Broker" is "user read-write no-execute" in the MM page table

  @req:SEED-000-029 @req:SEED-002-022
  Scenario: A secure device's MMIO that the platform reports as reserved stays out of a driver's reach
    Given PEI publishes a reserved resource HOB of 0x5000 bytes at 0xFED40000
    And the MM driver "Snooper" handles MMI "Snoop" with:
      """
      - read: 0xFED40000
      """
    When the platform boots
    Then the page at 0xFED40000 is "not present" in the MM page table
    When DXE sends MMI "Snoop" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry names the MM driver "Snooper"

  @req:SEED-000-029 @req:SEED-002-022
  Scenario: The secure device's MMIO becomes reachable only when it is explicitly unblocked
    Given PEI publishes a reserved resource HOB of 0x5000 bytes at 0xFED40000
    And PEI asks to unblock 0x1000 bytes at 0xFED40000
    And the MM driver "Snooper" handles MMI "Snoop" with:
      """
      - read: 0xFED40000
      - return: EFI_SUCCESS
      """
    When the platform boots
    Then the page at 0xFED40000 is "user read-write no-execute" in the MM page table
    And the page at 0xFED41000 is "not present" in the MM page table
    When DXE sends MMI "Snoop" on the user channel
    Then the MMI return status is EFI_SUCCESS
    And the system keeps running

  @req:SEED-004-015
  Scenario: A handler is confined by the page tables: writing supervisor memory raises a page fault
    Given the MM driver "Scribbler" handles MMI "Scribble" with:
      """
      - write: { address: 0x3FFFE000, value: 0 }
      """
    When the platform boots
    Then the page at 0x3FFFE000 is "supervisor read-only no-execute" in the MM page table
    When DXE sends MMI "Scribble" on the user channel
    Then the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14
    And the telemetry names the MM driver "Scribbler"
