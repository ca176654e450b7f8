Feature: UNBLOCK_MEM — the supervisor's rules for making memory outside MMRAM reachable from MM
  `ProcessUnblockPages` (supervisor-facts §7.2) checks in order: locked → EFI_ACCESS_DENIED; zero IdentifierGuid →
  EFI_INVALID_PARAMETER; range entirely inside MMRAM → EFI_SECURITY_VIOLATION; against every recorded entry (an
  exact range with a byte-identical 40-byte descriptor is "already done", anything else overlapping is a
  violation); the pages must be uniformly not-present and not read-only; then they are mapped present, RW, NX, user
  unless the request asks for EFI_MEMORY_SP. Requests here are MSUP UNBLOCK_MEM messages with a whole
  MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS (Type 6, Attribute 0, a non-zero identifier unless said otherwise).

  Background:
    Given the platform "q35"
    And the platform boots to "DXE"

  @req:SUPV-094 @req:SEED-001-014
  Scenario: A successful UNBLOCK_MEM maps the range user, read-write, not executable
    Then the page at 0x10000000 is "not present" in the MM page table
    When DXE sends the supervisor request UNBLOCK_MEM for 2 pages at 0x10000000
    Then the request result is EFI_SUCCESS
    And the page at 0x10000000 is "user read-write no-execute" in the MM page table
    And the page at 0x10001000 is "user read-write no-execute" in the MM page table
    And the page at 0x10002000 is "not present" in the MM page table
    And the supervisor's unblocked list holds 1 entry covering 0x10001000

  @req:SUPV-094
  Scenario: UNBLOCK_MEM with EFI_MEMORY_SP maps the range as supervisor pages
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000 with attribute 0x40000
    Then the request result is EFI_SUCCESS
    And the page at 0x10000000 is "supervisor read-write no-execute" in the MM page table

  @req:SUPV-094
  Scenario Outline: Only EFI_MEMORY_SP of the Attribute is honoured (attribute <attribute> → <page>)
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000 with attribute <attribute>
    Then the request result is EFI_SUCCESS
    And the page at 0x10000000 is "<page>" in the MM page table

    Examples:
      | attribute | page                             |
      | 0x20000   | user read-write no-execute       |
      | 0x2000    | user read-write no-execute       |
      | 0x4000    | user read-write no-execute       |
      | 0x1       | user read-write no-execute       |
      | 0x60000   | supervisor read-write no-execute |
      | 0x46000   | supervisor read-write no-execute |

  @req:SUPV-089
  Scenario: An all-zero IdentifierGuid is refused and nothing is mapped
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000 with identifier "00000000-0000-0000-0000-000000000000"
    Then the request result is EFI_INVALID_PARAMETER
    And the page at 0x10000000 is "not present" in the MM page table
    And the supervisor's unblocked list holds 0 entries covering 0x10000000

  @req:SUPV-088
  Scenario: Before ready-to-lock the zeroed request is judged on its parameters (zero GUID)
    When DXE sends the supervisor request UNBLOCK_MEM
    Then the request result is EFI_INVALID_PARAMETER

  @req:SUPV-088
  Scenario: After ready-to-lock the same zeroed request is denied before its parameters are looked at
    When the platform continues to "ready to lock"
    And DXE sends the supervisor request UNBLOCK_MEM
    Then the request result is EFI_ACCESS_DENIED

  @req:SUPV-088
  Scenario Outline: After ready-to-lock UNBLOCK_MEM of <what> is denied and the page stays not present
    When the platform continues to "ready to lock"
    And DXE sends the supervisor request UNBLOCK_MEM for 1 page at <request>
    Then the request result is EFI_ACCESS_DENIED
    And the page at 0x10000000 is "not present" in the MM page table

    Examples:
      | what                    | request                                                               |
      | a valid blocked page    | 0x10000000                                                            |
      | a page with a zero GUID | 0x10000000 with identifier "00000000-0000-0000-0000-000000000000"     |
      | a page inside MMRAM     | 0x3F800000                                                            |

  @req:SUPV-090
  Scenario Outline: <pages> page(s) at <address>, entirely inside MMRAM, are refused
    When DXE sends the supervisor request UNBLOCK_MEM for <pages> pages at <address>
    Then the request result is EFI_SECURITY_VIOLATION
    And the supervisor's unblocked list holds 0 entries covering <address>

    Examples:
      | address    | pages |
      | 0x3F800000 | 1     |
      | 0x3F800000 | 0x800 |
      | 0x3FFFF000 | 1     |
      | 0x3FC00000 | 16    |

  @req:SUPV-090 @req:SUPV-091
  Scenario: A range only partly inside MMRAM passes the MMRAM check but fails on the present MMRAM pages
    When DXE sends the supervisor request UNBLOCK_MEM for 2 pages at 0x3FFFF000
    Then the request result is EFI_NO_MAPPING
    And the supervisor's unblocked list holds 0 entries covering 0x40000000

  @req:SUPV-091
  Scenario Outline: Pages already present (<what>) cannot be unblocked
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at <address>
    Then the request result is EFI_SECURITY_VIOLATION
    And the supervisor's unblocked list holds <entries> entries covering <address>

    Examples:
      | what                 | address                             | entries |
      | IOAPIC MMIO          | 0xFEC00000                          | 0       |
      | HPET MMIO            | 0xFED00000                          | 0       |
      | PCIe ECAM MMIO       | 0xE0000000                          | 0       |
      | firmware flash       | 0xFFC00000                          | 0       |

  @req:SUPV-091
  Scenario Outline: The <which> <what>, unblocked by the supervisor itself, cannot be unblocked again
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at the current <which> <what>
    Then the request result is EFI_SECURITY_VIOLATION

    Examples:
      | which      | what        |
      | supervisor | comm buffer |
      | user       | comm buffer |
      | supervisor | mailbox     |
      | user       | mailbox     |

  @req:SUPV-091 @req:SUPV-093
  Scenario: A previously unblocked page cannot be unblocked with another descriptor
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000
    And DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000 with memory type 0
    Then the request result is EFI_SECURITY_VIOLATION
    And the supervisor's unblocked list holds 1 entry covering 0x10000000

  @req:SUPV-092
  Scenario: Resending a byte-identical request succeeds without a second record
    When DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000
    And DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000
    Then the request result is EFI_SUCCESS
    And the supervisor's unblocked list holds 1 entry covering 0x10000000
    And the page at 0x10003000 is "user read-write no-execute" in the MM page table

  @req:SUPV-092
  Scenario: The identical descriptor from another identifier also counts as already done (the GUID is not compared)
    When DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000 with identifier "SomeOtherDriver"
    And DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000 with identifier "YetAnotherDriver"
    Then the request result is EFI_SUCCESS
    And the supervisor's unblocked list holds 1 entry covering 0x10000000

  @req:SUPV-093
  Scenario Outline: The recorded range resent with a different descriptor (<change>) is a violation
    When DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000
    And DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000 with <change>
    Then the request result is EFI_SECURITY_VIOLATION
    And the supervisor's unblocked list holds 1 entry covering 0x10000000
    And the page at 0x10000000 is "user read-write no-execute" in the MM page table

    Examples:
      | change                    |
      | attribute 0x40000         |
      | attribute 0x4000          |
      | memory type 5             |
      | virtual start 0x10000000  |
      | padding 1                 |

  @req:SUPV-093
  Scenario Outline: A range overlapping the recorded 0x10000000–0x10003FFF at <address> (<pages> pages) is a violation
    When DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000
    And DXE sends the supervisor request UNBLOCK_MEM for <pages> pages at <address>
    Then the request result is EFI_SECURITY_VIOLATION
    And the page at <free> is "not present" in the MM page table

    Examples: start inside the entry
      | address    | pages | free       |
      | 0x10002000 | 4     | 0x10004000 |
      | 0x10003000 | 1     | 0x10004000 |
      | 0x10000000 | 8     | 0x10004000 |
      | 0x10000000 | 2     | 0x10004000 |
    Examples: end inside the entry
      | address    | pages | free       |
      | 0x0FFFE000 | 4     | 0x0FFFE000 |
      | 0x0FFFF000 | 5     | 0x0FFFF000 |

  @req:SUPV-093 @req:SUPV-091
  Scenario: A request strictly enclosing a recorded range slips past the overlap check and fails on the mixed page attributes
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10001000
    And DXE sends the supervisor request UNBLOCK_MEM for 3 pages at 0x10000000
    Then the request result is EFI_NO_MAPPING
    And the page at 0x10000000 is "not present" in the MM page table
    And the supervisor's unblocked list holds 1 entry covering 0x10001000

  @req:SUPV-093
  Scenario: A range right after a recorded one is not an overlap
    When DXE sends the supervisor request UNBLOCK_MEM for 4 pages at 0x10000000
    And DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10004000
    Then the request result is EFI_SUCCESS
    And the supervisor's unblocked list holds 1 entry covering 0x10004000
