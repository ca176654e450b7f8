Feature: Switching the IO and MSR categories from deny lists to allow lists (deny by default)
  SwitchingToDenyByDefault.md (supervisor-facts §4.9, referenced by seed 002): log what the platform's MM drivers
  use, flip the category's PolicyAccessAttribute to Allow, list exactly those ports and MSRs, and make sure nothing
  that had to be denied ends up allowed. A DENY root allows everything it does not match; an ALLOW root denies
  everything it does not match (§4.7). deny-by-default-migrated.xml is the example after that migration.

  Background:
    Given the platform "q35"

  @req:SEED-000-026 @req:SEED-002-019 @req:SEED-004-017
  Scenario Outline: What the platform's drivers use works before and after the migration (<policy>)
    Given the isolation policy "<policy>"
    And the MM driver "StatusCode" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x5A }
      - io_write: { port: 0x70, width: 1, value: 0x0A }
      - io_read: { port: 0x71, width: 1 }
      - rdmsr: 0x1B
      - rdmsr: 0x8B
      """
    When the platform boots
    Then the system keeps running
    And the policy gate allowed every access (5 in all)
    And the port 0x80 was written with 0x5A

    Examples:
      | policy                         |
      | MmIsolationPoliciesExample.xml |
      | deny-by-default-migrated.xml   |

  @req:SEED-000-026 @req:SEED-002-019 @req:SEED-004-017
  Scenario Outline: Something no driver was logged using (<access>) is allowed by the deny list and refused by the allow list
    Given the isolation policy "<policy>"
    And the MM driver "Newcomer" runs on entry:
      """
      - <access>
      """
    When the platform boots
    Then <outcome>

    Examples:
      | policy                         | access                                        | outcome                                                  |
      | MmIsolationPoliciesExample.xml | io_write: { port: 0x64, width: 1, value: 0xFE } | the port 0x64 was written with 0xFE                      |
      | deny-by-default-migrated.xml   | io_write: { port: 0x64, width: 1, value: 0xFE } | the supervisor stops the system for a "policy violation" |
      | MmIsolationPoliciesExample.xml | io_read: { port: 0x72, width: 1 }              | the system keeps running                                 |
      | deny-by-default-migrated.xml   | io_read: { port: 0x72, width: 1 }              | the supervisor stops the system for a "policy violation" |
      | MmIsolationPoliciesExample.xml | rdmsr: 0x1A0                                   | the system keeps running                                 |
      | deny-by-default-migrated.xml   | rdmsr: 0x1A0                                   | the supervisor stops the system for a "policy violation" |
      | deny-by-default-migrated.xml   | wrmsr: { msr: 0x1B, value: 0xFEE00900 }        | the supervisor stops the system for a "policy violation" |
      | deny-by-default-migrated.xml   | io_read: { port: 0x80, width: 1 }              | the supervisor stops the system for a "policy violation" |

  @req:SEED-000-026 @req:SEED-002-019
  Scenario Outline: Nothing the example denied becomes allowed after the migration (<access>)
    Given the isolation policy "deny-by-default-migrated.xml"
    And the MM driver "Intruder" runs on entry:
      """
      - <access>
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access with no entry matching

    Examples: the example's IO entries
      | access                                               |
      | io_write: { port: 0xCF8, width: 4, value: 0x80000000 } |
      | io_write: { port: 0xCFC, width: 4, value: 0x1 }        |
      | io_write: { port: 0xCFE, width: 2, value: 0x1 }        |

    Examples: the example's MSR entries
      | access            |
      | rdmsr: 0xC0000080 |
      | rdmsr: 0xC0000082 |
      | rdmsr: 0xC0010010 |
      | rdmsr: 0xC0010111 |
      | rdmsr: 0x1D9      |
      | rdmsr: 0xDA0      |
      | rdmsr: 0x6A0      |
      | rdmsr: 0x6A2      |
      | rdmsr: 0x6A6      |
      | rdmsr: 0xC0011010 |
      | rdmsr: 0xC0011024 |
      | rdmsr: 0xC0011018 |
      | rdmsr: 0xC0000102 |

  @req:SEED-000-026
  Scenario: After the migration a listed port is allowed only for the listed access
    Given the isolation policy "deny-by-default-migrated.xml"
    And the MM driver "StatusCode" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x5A }
      - io_write: { port: 0x80, width: 2, value: 0x5A5A }
      """
    When the platform boots
    Then the port 0x80 was written with 0x5A
    # A word write to 0x80 ends at 0x82: its start lies in the entry, so the entry matches and Write is listed.
    And the port 0x80 was written with 0x5A5A
    And the system keeps running
