Feature: The supervisor checks the firmware policy with SecurityPolicyCheck, and an invalid policy stays in force
  At load the supervisor runs SecurityPolicyCheck over the blob (supervisor-facts §4.6). In the release build a
  failing check only asserts: the invalid blob is still the policy the gates use (§4.5 step 5, §11 item 3). Each
  policy below denies reading EFER (0xC0000080) from an MSR DENY list and lets POST port 0x80 through, so the
  driver's first access shows the blob is enforced and its second that the gate still refuses what it lists.
  The .bin fixtures are hand-laid v1.0 blobs (fixtures/policies/INVALID-POLICIES.md gives their bytes).

  Background:
    Given the platform "q35"
    And the MM driver "Prober" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x11 }
      - rdmsr: 0xC0000080
      """

  Scenario Outline: <policy> fails the check (<reason>) but the supervisor still enforces it
    Given the isolation policy "<policy>"
    When the platform boots
    Then the supervisor loaded the isolation policy but it fails the policy check with <reason>
    And the port 0x80 was written with 0x11
    And the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 0

    @req:SUPV-074
    Examples: a descriptor type in two roots (rule 2)
      | policy                         | reason              |
      | invalid-duplicate-msr-root.bin | DUPLICATE_ROOT_TYPE |

    @req:SUPV-075
    Examples: a root of unknown type or with non-zero reserved bytes (rules 3, 4)
      | policy                         | reason                |
      | invalid-unknown-root-type.bin  | UNKNOWN_ROOT_TYPE     |
      | invalid-root-reserved.yaml     | ROOT_RESERVED_NONZERO |

    @req:SUPV-076
    Examples: overlapping plain IO entries, a strict entry covered by a later one, overlapping or empty MSR entries (rules 5, 7)
      | policy                        | reason                   |
      | invalid-io-overlap.yaml       | IO_OVERLAP               |
      | invalid-io-strict-covered.yaml | IO_STRICT_WIDTH_SHADOWED |
      | invalid-msr-overlap.yaml      | MSR_OVERLAP              |
      | invalid-msr-zero-length.yaml  | MSR_ZERO_LENGTH          |

    @req:SUPV-077
    Examples: duplicate instruction indexes and duplicate save-state map fields (rules 8, 9)
      | policy                             | reason                     |
      | invalid-instruction-duplicate.yaml | INSTRUCTION_DUPLICATE      |
      | invalid-save-state-duplicate.yaml  | SAVE_STATE_DUPLICATE_FIELD |

    @req:SUPV-078
    Examples: save-state entries with WRITE, COND_WRITE, READ and COND_READ, or a condition without COND_READ (rule 9)
      | policy                                             | reason                                 |
      | invalid-save-state-write.yaml                      | SAVE_STATE_WRITE_ATTRIBUTE             |
      | invalid-save-state-cond-write.yaml                 | SAVE_STATE_WRITE_ATTRIBUTE             |
      | invalid-save-state-read-and-cond-read.yaml         | SAVE_STATE_READ_AND_COND_READ          |
      | invalid-save-state-condition-without-cond-read.yaml | SAVE_STATE_CONDITION_WITHOUT_COND_READ |

    @req:SUPV-079
    Examples: a header Size that is not the sum of its parts, or a legacy MemoryPolicyCount (rules 10, 11)
      | policy                           | reason               |
      | invalid-size-mismatch.bin        | SIZE_MISMATCH        |
      | invalid-legacy-memory-count.yaml | LEGACY_MEMORY_POLICY |

  @req:SUPV-080
  Scenario Outline: A header with <what> non-zero passes the check
    Given the isolation policy "<policy>"
    When the platform boots
    Then the supervisor loaded the isolation policy and it passes the policy check
    And the supervisor stops the system for a "policy violation"

    Examples:
      | what                       | policy                                 |
      | only Flags                 | valid-header-flags.yaml                |
      | Flags and Capabilities     | valid-header-flags-capabilities.yaml   |
      | Reserved and Capabilities  | valid-header-reserved-capabilities.yaml |

  @req:SUPV-080
  Scenario: A header with Reserved, Flags and Capabilities all non-zero fails the check (the AND of §4.6 rule 1)
    Given the isolation policy "invalid-header-all-three.yaml"
    When the platform boots
    Then the supervisor loaded the isolation policy but it fails the policy check with HEADER_UNRECOGNIZED_BITS

  @req:SUPV-076
  Scenario: A plain IO entry that only partly overlaps an earlier strict-width entry passes the check
    Given the isolation policy "valid-io-strict-partly-overlapped.yaml"
    When the platform boots
    Then the supervisor loaded the isolation policy and it passes the policy check
