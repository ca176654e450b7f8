Feature: COMM_UPDATE — moving the comm buffers and mailboxes once, before ready-to-lock
  COMM_UPDATE (supervisor-facts §6.5) moves both comm buffers and both mailboxes to new pages: each new descriptor
  must match the current one (pages, Attribute XP|SP, Type 6), the new range is unblocked and the old one made
  not-present; the reply lands in the new supervisor mailbox. It succeeds at most once per boot and never after
  ready-to-lock. On q35 the DXE support driver already moves the buffers at DXE (§1.7 step 3); a platform that keeps
  its PEI comm buffers (PcdPeiMemoryBinsEnable) leaves the one COMM_UPDATE to the scenario.

  @req:SUPV-101
  Scenario: After the DXE support driver's COMM_UPDATE the PEI buffers and mailboxes are gone from MM
    Given the platform "q35"
    When the platform boots to "DXE"
    Then the current supervisor comm buffer is not where the PEI firmware put it
    And the current user comm buffer is not where the PEI firmware put it
    And every page of the PEI supervisor comm buffer is "not present" in the MM page table
    And every page of the PEI user comm buffer is "not present" in the MM page table
    And every page of the PEI supervisor mailbox is "not present" in the MM page table
    And every page of the PEI user mailbox is "not present" in the MM page table
    And every page of the current supervisor comm buffer is "supervisor read-write no-execute" in the MM page table
    And every page of the current user mailbox is "supervisor read-write no-execute" in the MM page table

  @req:SUPV-099
  Scenario: A second COMM_UPDATE after the DXE support driver's is denied, even with well-formed descriptors
    Given the platform "q35"
    When the platform boots to "DXE"
    And DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages | attribute | type |
      | supervisor mailbox | 0x11200000 | 1     | 0x44000   | 6    |
      | user mailbox       | 0x11201000 | 1     | 0x44000   | 6    |
      | supervisor buffer  | 0x11000000 | 16    | 0x44000   | 6    |
      | user buffer        | 0x11100000 | 16    | 0x44000   | 6    |
    Then the request result is EFI_ACCESS_DENIED
    And the page at 0x11000000 is "not present" in the MM page table
    And the page at 0x11200000 is "not present" in the MM page table

  @req:SUPV-099 @req:SUPV-101
  Scenario: The one COMM_UPDATE moves everything, answers in the new supervisor mailbox, and a second one is denied
    Given the platform "q35"
    And the platform keeps its PEI comm buffers
    When the platform boots to "DXE"
    Then the current supervisor comm buffer is where the PEI firmware put it
    When DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages | attribute | type |
      | supervisor mailbox | 0x11200000 | 1     | 0x44000   | 6    |
      | user mailbox       | 0x11201000 | 1     | 0x44000   | 6    |
      | supervisor buffer  | 0x11000000 | 16    | 0x44000   | 6    |
      | user buffer        | 0x11100000 | 16    | 0x44000   | 6    |
    Then the request result is EFI_SUCCESS
    And the memory at 0x11200000 holds 0 as a u8 at offset 0
    And the memory at 0x11200000 holds EFI_SUCCESS as a u64 at offset 8
    And the PEI supervisor mailbox is still marked valid
    And every page of the PEI supervisor comm buffer is "not present" in the MM page table
    And every page of the PEI user comm buffer is "not present" in the MM page table
    And every page of the PEI supervisor mailbox is "not present" in the MM page table
    And every page of the PEI user mailbox is "not present" in the MM page table
    And the page at 0x11000000 is "supervisor read-write no-execute" in the MM page table
    And the page at 0x1100F000 is "supervisor read-write no-execute" in the MM page table
    And the page at 0x11100000 is "supervisor read-write no-execute" in the MM page table
    And the page at 0x11201000 is "supervisor read-write no-execute" in the MM page table
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And the memory at 0x11000000 holds 0x00170027 as a u32 at offset 48
    When DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages | attribute | type |
      | supervisor mailbox | 0x12200000 | 1     | 0x44000   | 6    |
      | user mailbox       | 0x12201000 | 1     | 0x44000   | 6    |
      | supervisor buffer  | 0x12000000 | 16    | 0x44000   | 6    |
      | user buffer        | 0x12100000 | 16    | 0x44000   | 6    |
    Then the request result is EFI_ACCESS_DENIED
    And the page at 0x12000000 is "not present" in the MM page table

  @req:SUPV-099
  Scenario: COMM_UPDATE after ready-to-lock is denied
    Given the platform "q35"
    And the platform keeps its PEI comm buffers
    When the platform boots to "ready to lock"
    And DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages | attribute | type |
      | supervisor mailbox | 0x11200000 | 1     | 0x44000   | 6    |
      | user mailbox       | 0x11201000 | 1     | 0x44000   | 6    |
      | supervisor buffer  | 0x11000000 | 16    | 0x44000   | 6    |
      | user buffer        | 0x11100000 | 16    | 0x44000   | 6    |
    Then the request result is EFI_ACCESS_DENIED
    And the page at 0x11000000 is "not present" in the MM page table
    And the current supervisor comm buffer is where the PEI firmware put it

  @req:SUPV-100
  Scenario Outline: A new supervisor buffer with <pages> pages, attribute <attribute> and type <type> is refused
    Given the platform "q35"
    And the platform keeps its PEI comm buffers
    When the platform boots to "DXE"
    And DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages   | attribute   | type   |
      | supervisor mailbox | 0x11200000 | 1       | 0x44000     | 6      |
      | user mailbox       | 0x11201000 | 1       | 0x44000     | 6      |
      | supervisor buffer  | 0x11000000 | <pages> | <attribute> | <type> |
      | user buffer        | 0x11100000 | 16      | 0x44000     | 6      |
    Then the request result is EFI_SECURITY_VIOLATION
    And the page at 0x11000000 is "not present" in the MM page table
    And every page of the PEI supervisor comm buffer is "supervisor read-write no-execute" in the MM page table
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS

    Examples:
      | pages | attribute | type |
      | 15    | 0x44000   | 6    |
      | 17    | 0x44000   | 6    |
      | 16    | 0x4000    | 6    |
      | 16    | 0x40000   | 6    |
      | 16    | 0x0       | 6    |
      | 16    | 0x44000   | 4    |
      | 16    | 0x44000   | 5    |

  @req:SUPV-100
  Scenario: A mismatching user mailbox is refused after the buffers already moved (partial failure is not rolled back)
    Given the platform "q35"
    And the platform keeps its PEI comm buffers
    When the platform boots to "DXE"
    And DXE sends the supervisor request COMM_UPDATE with:
      | descriptor         | address    | pages | attribute | type |
      | supervisor mailbox | 0x11200000 | 1     | 0x44000   | 6    |
      | user mailbox       | 0x11201000 | 2     | 0x44000   | 6    |
      | supervisor buffer  | 0x11000000 | 16    | 0x44000   | 6    |
      | user buffer        | 0x11100000 | 16    | 0x44000   | 6    |
    Then the memory at 0x11000000 holds EFI_SECURITY_VIOLATION as a u64 at offset 40
    And the page at 0x11000000 is "supervisor read-write no-execute" in the MM page table
    And the page at 0x11100000 is "supervisor read-write no-execute" in the MM page table
    And every page of the PEI supervisor comm buffer is "not present" in the MM page table
    And the page at 0x11201000 is "not present" in the MM page table
    And every page of the PEI supervisor mailbox is "supervisor read-write no-execute" in the MM page table
