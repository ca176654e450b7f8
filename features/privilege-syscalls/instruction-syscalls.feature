Feature: CLI, WBINVD and HLT from MM drivers go through syscalls and the INSTRUCTION policy gate
  DisableInterrupts, AsmWbinvd and CpuSleep at CPL 3 become SMM_SC_CLI / SMM_SC_WBINVD / SMM_SC_HLT
  (supervisor-facts §3.5–§3.7); the supervisor asks the instruction gate for index 0 / 1 / 2 (§4.7.3).

  Background:
    Given the platform "q35"

  @req:SUPV-048
  Scenario: The example policy's INSTRUCTION ALLOW list permits all three
    Given the MM driver "Housekeeping" runs on entry:
      """
      - instruction: cli
      - instruction: wbinvd
      - instruction: hlt
      """
    When the platform boots
    Then the system keeps running
    And the policy gate allowed every access (3 in all)

  @req:SUPV-048
  Scenario Outline: An ALLOW list with only CLI: <instruction> → <outcome>
    Given the isolation policy:
      """
      <SmmIsolationPolicy>
        <SmmCategory name="INSTRUCTION">
          <PolicyAccessAttribute Value="Allow"/>
          <PolicyEntry><Instruction Value="CLI"/><SecurityAttributes Value="Execute"/></PolicyEntry>
        </SmmCategory>
      </SmmIsolationPolicy>
      """
    And the MM driver "Housekeeping" runs on entry:
      """
      - instruction: <instruction>
      """
    When the platform boots
    Then <outcome>

    Examples:
      | instruction | outcome                                                  |
      | cli         | the system keeps running                                 |
      | wbinvd      | the supervisor stops the system for a "policy violation" |
      | hlt         | the supervisor stops the system for a "policy violation" |

  @req:SUPV-048
  Scenario Outline: A DENY list naming HLT: <instruction> → <outcome>
    Given the isolation policy:
      """
      instruction:
        access: deny
        entries:
          - { instruction: hlt, attributes: [execute] }
      """
    And the MM driver "Housekeeping" runs on entry:
      """
      - instruction: <instruction>
      """
    When the platform boots
    Then <outcome>

    Examples:
      | instruction | outcome                                                  |
      | cli         | the system keeps running                                 |
      | wbinvd      | the system keeps running                                 |
      | hlt         | the supervisor stops the system for a "policy violation" |

  @req:SUPV-048
  Scenario Outline: Without an INSTRUCTION root, <instruction> is fatal
    Given the isolation policy:
      """
      io:
        access: deny
        entries:
          - { port: 0xCFC, size: 4, attributes: [write] }
      """
    And the MM driver "Housekeeping" runs on entry:
      """
      - instruction: <instruction>
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access because the policy has no INSTRUCTION root

    Examples:
      | instruction |
      | cli         |
      | wbinvd      |
      | hlt         |
