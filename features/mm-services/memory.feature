Feature: MM drivers get memory from the MM services
  A Standalone MM driver allocates pages through gMmst->MmAllocatePages (SMM_ALOC_PAGE), never from DXE: the
  pages come from MMRAM, owned by user mode, read-write and not executable (supervisor-facts §3.7, §3.9).

  Background:
    Given the platform "q35"

  @req:SEED-001-031 @req:SEED-000-018 @req:SEED-002-011
  Scenario Outline: Pages allocated through the MM services are MMRAM pages (<pages> page(s))
    Given the MM driver "Allocator" runs on entry:
      """
      - allocate_pages: { pages: <pages> }
      """
    When the platform boots
    Then the entry point of the MM driver "Allocator" returned EFI_SUCCESS
    And the pages allocated with SMM_ALOC_PAGE lie in MMRAM and are "user read-write no-execute" in the MM page table
    And the system keeps running

    Examples:
      | pages |
      | 1     |
      | 4     |
