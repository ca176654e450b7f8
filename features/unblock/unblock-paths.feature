Feature: Who can unblock memory — PEI HOBs, the DXE protocol, and what an MM driver can then touch
  An MM driver reaches memory outside MMRAM only after that range was unblocked (supervisor-facts §7): in PEI
  through the unblock library's HOBs, processed by the core at init; in DXE through the StandaloneMmUnblockMem
  protocol, which makes local checks and then sends MSUP UNBLOCK_MEM (§7.3). The driver below really loads from and
  stores to the address at CPL3; the MM page table decides.

  Background:
    Given the platform "q35"
    And the MM driver "Reader" handles MMI "ReaderMmi" with:
      """
      - asm: |
          mov rax, 0x10000000
          mov rax, [rax]
          mov [r8], rax
          xor eax, eax
      """

  @req:SEED-000-020 @req:SEED-002-013
  Scenario: Without an unblock request a driver touching memory outside MMRAM takes a page fault
    When the platform boots to "DXE"
    And DXE writes the u64 0x1122334455667788 at 0x10000000
    And DXE sends MMI "ReaderMmi" on the user channel with data "0000000000000000"
    Then the supervisor stops the system for a "page fault"
    And the system is reset

  @req:SEED-000-020 @req:SEED-002-013 @req:SEED-001-014 @req:SUPV-094
  Scenario: After the DXE unblock protocol unblocked the range the driver reads what DXE wrote there
    When the platform boots to "DXE"
    And DXE writes the u64 0x1122334455667788 at 0x10000000
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_SUCCESS
    And the DXE unblock protocol decided through the supervisor
    And the page at 0x10000000 is "user read-write no-execute" in the MM page table
    When DXE sends MMI "ReaderMmi" on the user channel with data "0000000000000000"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0x1122334455667788 as a u64 at offset 24
    And the system keeps running

  @req:SEED-000-020 @req:SEED-001-014
  Scenario: A driver writes into an unblocked range and code outside MM reads the bytes back
    Given the MM driver "Writer" handles MMI "WriterMmi" with:
      """
      - write: { address: 0x10002000, value: 0x4242424242424242, width: 8 }
      """
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10002000
    And DXE sends MMI "WriterMmi" on the user channel
    Then the MMI return status is EFI_SUCCESS
    When code outside MM reads 8 bytes at 0x10002000
    Then every byte read is 0x42

  @req:SEED-000-022 @req:SEED-002-015
  Scenario: A PEI unblock request is honoured by the supervisor at init
    Given PEI asks to unblock 0x2000 bytes at 0x10000000
    When the platform boots to "DXE"
    Then every PEI unblock request returned EFI_SUCCESS
    And the page at 0x10000000 is "user read-write no-execute" in the MM page table
    And the page at 0x10001000 is "user read-write no-execute" in the MM page table
    And the page at 0x10002000 is "not present" in the MM page table
    And the supervisor's unblocked list holds 1 entry covering 0x10001000
    When DXE writes the u64 0x0102030405060708 at 0x10000000
    And DXE sends MMI "ReaderMmi" on the user channel with data "0000000000000000"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0x0102030405060708 as a u64 at offset 24

  @req:SEED-000-022 @req:SEED-002-015 @req:SUPV-092
  Scenario: A DXE request repeating the PEI request's range with another descriptor is refused (PEI HOBs carry Type 0)
    Given PEI asks to unblock 0x1000 bytes at 0x10000000
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_SECURITY_VIOLATION
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000 with memory type 0
    Then the request result is EFI_SUCCESS
    And the supervisor's unblocked list holds 1 entry covering 0x10000000

  @req:SEED-000-022 @req:SEED-002-015
  Scenario: Once the MM IPL has installed the supervisor PPI the PEI library refuses further requests
    When the platform boots to "end of PEI"
    And a PEIM asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_ACCESS_DENIED
    When the platform continues to "DXE"
    Then the page at 0x10000000 is "not present" in the MM page table

  @req:SEED-000-022 @req:SUPV-090
  Scenario: A PEI request for MMRAM is dropped by the core (it only asserts) and the boot goes on
    Given PEI asks to unblock 0x1000 bytes at 0x3F800000
    When the platform boots to "DXE"
    Then the supervisor's unblocked list holds 0 entries covering 0x3F800000
    And the system keeps running
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS

  @req:SEED-000-021 @req:SEED-002-014
  Scenario: Without the supervisor communication protocol the DXE unblock request is not served
    Given the platform has no DXE driver "MmDxeSupport"
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_NOT_READY
    And the DXE unblock protocol decided locally
    And the page at 0x10000000 is "not present" in the MM page table

  @req:SEED-000-021 @req:SEED-002-014
  Scenario: With the supervisor communication protocol installed the same request is served
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_SUCCESS
    And the DXE unblock protocol decided through the supervisor

  @req:SUPV-088
  Scenario: After ready-to-lock the DXE protocol denies an unblock request itself
    When the platform boots to "ready to lock"
    And DXE asks to unblock 0x1000 bytes at 0x10000000
    Then the request result is EFI_ACCESS_DENIED
    And the DXE unblock protocol decided locally
    And the page at 0x10000000 is "not present" in the MM page table

  @req:SEED-001-014
  Scenario Outline: The DXE protocol's own checks: <size> bytes at <address> → <result>, decided locally
    When the platform boots to "DXE"
    And DXE asks to unblock <size> bytes at <address>
    Then the request result is <result>
    And the DXE unblock protocol decided locally
    And the page at 0x10000000 is "not present" in the MM page table

    Examples:
      | size   | address    | result                |
      | 0x1000 | 0          | EFI_INVALID_PARAMETER |
      | 0x1000 | 0x10000800 | EFI_INVALID_PARAMETER |
      | 0x1000 | 0x10000001 | EFI_INVALID_PARAMETER |
      | 0      | 0x10000000 | EFI_SUCCESS           |
      | 0x1000 | 0x00200000 | EFI_ACCESS_DENIED     |
      | 0x1000 | 0x0FFFF000 | EFI_ACCESS_DENIED     |
      | 0x2000 | 0x0FFFF000 | EFI_ACCESS_DENIED     |

  @req:SEED-001-014 @req:SUPV-089
  Scenario: The DXE protocol refuses a NULL identifier before asking the supervisor
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at 0x10000000 without an identifier GUID
    Then the request result is EFI_INVALID_PARAMETER
    And the DXE unblock protocol decided locally
    And the page at 0x10000000 is "not present" in the MM page table

  @req:SUPV-090
  Scenario: TSEG passes the DXE memory-map check (reserved memory) and the supervisor refuses it
    When the platform boots to "DXE"
    And DXE asks to unblock 0x1000 bytes at the start of MMRAM
    Then the request result is EFI_SECURITY_VIOLATION
    And the DXE unblock protocol decided through the supervisor
