Feature: Each platform supplies its own isolation policy, and the supervisor enforces what it lists
  What MM drivers may touch is not built into the supervisor: it comes from the policy file the platform puts
  in the MM firmware volume (seed 000 "Platform Specific Isolation Policy Configuration", seed 002). The same
  driver binary is stopped on one platform and runs on another; a platform that protects a resource of its own
  adds an entry to the matching category and the supervisor refuses it from then on.

  Background:
    Given the platform "q35"

  @req:SEED-000-003 @req:SEED-000-026 @req:SEED-002-019
  Scenario Outline: The same driver under <policy>: <outcome>
    Given the isolation policy "<policy>"
    And the MM driver "PlatformDriver" runs on entry:
      """
      - <access>
      """
    When the platform boots
    Then <outcome>

    Examples: an MSR
      | policy                         | access                | outcome                                                  |
      | MmIsolationPoliciesExample.xml | rdmsr: 0x1D9          | the supervisor stops the system for a "policy violation" |
      | msr-deny-apic-base.yaml        | rdmsr: 0x1D9          | the system keeps running                                 |
      | MmIsolationPoliciesExample.xml | rdmsr: 0x1B           | the system keeps running                                 |
      | msr-deny-apic-base.yaml        | rdmsr: 0x1B           | the supervisor stops the system for a "policy violation" |

    Examples: an IO port
      | policy                         | access                                            | outcome                                                  |
      | MmIsolationPoliciesExample.xml | io_write: { port: 0xCFC, width: 4, value: 0x1 }    | the supervisor stops the system for a "policy violation" |
      | msr-deny-apic-base.yaml        | io_write: { port: 0xCFC, width: 4, value: 0x1 }    | the port 0xCFC was written with 0x1                      |

    Examples: an instruction
      | policy                         | access              | outcome                                                  |
      | MmIsolationPoliciesExample.xml | instruction: wbinvd | the system keeps running                                 |
      | msr-deny-apic-base.yaml        | instruction: wbinvd | the supervisor stops the system for a "policy violation" |

  @req:SEED-000-028 @req:SEED-002-021
  Scenario Outline: A platform MSR added to the example's MSR category is refused (<access>)
    Given the isolation policy "example-plus-platform-msr.xml"
    And the MM driver "PlatformDriver" runs on entry:
      """
      - <access>
      """
    When the platform boots
    Then the supervisor loaded the isolation policy and it passes the policy check
    And the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 13

    Examples:
      | access                             |
      | rdmsr: 0x1A0                       |
      | wrmsr: { msr: 0x1A0, value: 0x1 }  |

  @req:SEED-000-028 @req:SEED-002-021
  Scenario: Without the platform's entry the same MSR is readable under the example policy
    Given the MM driver "PlatformDriver" runs on entry:
      """
      - rdmsr: 0x1A0
      """
    When the platform boots
    Then the system keeps running

  @req:SEED-000-028
  Scenario: The platform's addition leaves the example's own entries in force
    Given the isolation policy "example-plus-platform-msr.xml"
    And the MM driver "PlatformDriver" runs on entry:
      """
      - rdmsr: 0x1B
      - rdmsr: 0xC0000080
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 0
