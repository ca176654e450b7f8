Feature: Where the supervisor's policy comes from and how SupervisorPolicyMaker lays it out
  The supervisor takes the first RAW section of the first FREEFORM file named 81FF0793-… in the FV holding the
  core; a header Size larger than that section means no policy at all (supervisor-facts §4.5). Policies written
  as XML are encoded as SupervisorPolicyMaker does: roots in XML order, then an empty DENY MEM root whose Offset
  is the blob size (§4.8).

  Background:
    Given the platform "q35"

  @req:SUPV-072
  Scenario: A second policy file after the platform's is ignored
    Given the MM firmware volume also holds, after the platform's files, a policy file with the policy "msr-deny-apic-base.yaml"
    And the MM driver "ApicReader" runs on entry:
      """
      - rdmsr: 0x1B
      """
    When the platform boots
    Then the policy in force is 0x150 bytes with these roots:
      | type | offset | count | access |
      | 2    | 0xA0   | 2     | deny   |
      | 3    | 0xB0   | 13    | deny   |
      | 4    | 0x118  | 3     | allow  |
      | 5    | 0x130  | 2     | allow  |
      | 1    | 0x150  | 0     | deny   |
    And the system keeps running

  @req:SUPV-072
  Scenario Outline: Of two RAW sections in the policy file, only the first is the policy (<first> first)
    Given the only policy file in the MM firmware volume has two RAW sections: "<first>" then "<second>"
    And the MM driver "ApicReader" runs on entry:
      """
      - rdmsr: 0x1B
      """
    When the platform boots
    Then the supervisor loaded the isolation policy and it passes the policy check
    And <outcome>

    Examples:
      | first                          | second                         | outcome                                                  |
      | msr-deny-apic-base.yaml        | MmIsolationPoliciesExample.xml | the supervisor stops the system for a "policy violation" |
      | MmIsolationPoliciesExample.xml | msr-deny-apic-base.yaml        | the system keeps running                                 |

  @req:SUPV-073
  Scenario: A policy whose header Size exceeds its RAW section is not loaded, and every gated syscall is then fatal
    Given the isolation policy "size-exceeds-section.bin"
    And the MM driver "PostCode" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x11 }
      """
    When the platform boots
    Then the supervisor loaded no isolation policy, with status EFI_BAD_BUFFER_SIZE
    And the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_SC_IO_WRITE, because "no firmware policy"
    And the port 0x80 was never written

  @req:SUPV-072 @req:SUPV-073
  Scenario: Without any policy file nothing is loaded and gated syscalls are fatal
    Given the firmware volume has no isolation policy file
    And the MM driver "PostCode" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x11 }
      """
    When the platform boots
    Then the supervisor loaded no isolation policy, with status EFI_NOT_FOUND
    And the supervisor stops the system for a "policy violation"
    And the port 0x80 was never written

  @req:SUPV-081
  Scenario: The example XML encodes to 0x150 bytes: IO, MSR, INSTRUCTION, SAVE_STATE, then the empty DENY MEM root
    When the platform boots to "DXE"
    Then the supervisor loaded the isolation policy and it passes the policy check
    And the policy in force is 0x150 bytes with these roots:
      | type | offset | count | access |
      | 2    | 0xA0   | 2     | deny   |
      | 3    | 0xB0   | 13    | deny   |
      | 4    | 0x118  | 3     | allow  |
      | 5    | 0x130  | 2     | allow  |
      | 1    | 0x150  | 0     | deny   |

  @req:SUPV-081
  Scenario: Roots follow the XML category order, and the MEM placeholder's Offset is the blob size
    Given the isolation policy:
      """
      <SmmIsolationPolicy>
        <SmmCategory name="SAVESTATE">
          <PolicyAccessAttribute Value="Allow"/>
          <PolicyEntry><SaveStateField Value="IO_TRAP"/><SecurityAttributes Value="Read"/></PolicyEntry>
        </SmmCategory>
        <SmmCategory name="MSR">
          <PolicyAccessAttribute Value="Deny"/>
          <PolicyEntry><StartAddress Value="0x1D9"/><Size Value="1"/><SecurityAttributes Value="Read | Write"/></PolicyEntry>
          <PolicyEntry><StartAddress Value="0xDA0"/><Size Value="1"/><SecurityAttributes Value="Read | Write"/></PolicyEntry>
        </SmmCategory>
        <SmmCategory name="IO">
          <PolicyAccessAttribute Value="Allow"/>
        </SmmCategory>
      </SmmIsolationPolicy>
      """
    When the platform boots to "DXE"
    Then the supervisor loaded the isolation policy and it passes the policy check
    And the policy in force is 0xA8 bytes with these roots:
      | type | offset | count | access |
      | 5    | 0x88   | 1     | allow  |
      | 3    | 0x98   | 2     | deny   |
      | 2    | 0xA8   | 0     | allow  |
      | 1    | 0xA8   | 0     | deny   |

  @req:SUPV-074
  Scenario: With two MSR roots the gates use only the first one; the second root's entries are not enforced
    Given the isolation policy "invalid-duplicate-msr-root.bin"
    And the MM driver "SecondRootProbe" runs on entry:
      """
      - rdmsr: 0x1D9
      - rdmsr: 0xC0000080
      """
    When the platform boots
    Then the supervisor loaded the isolation policy but it fails the policy check with DUPLICATE_ROOT_TYPE
    And the supervisor stops the system for a "policy violation"
    And the syscall SMM_SC_RDMSR was made 2 times
    And the policy gate denied the last access by entry 0
