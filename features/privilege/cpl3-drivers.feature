Feature: MM drivers and their handlers run at CPL3 under the supervisor's CPU settings
  Only the supervisor core runs at CPL0; every MM_STANDALONE driver entry point and every user MMI handler is
  entered demoted to CPL3 with CS 0x5B and SS 0x53 (supervisor-facts §2.6, §3.1, §3.2). While user code runs,
  SYSCALL/SYSRET are programmed for the supervisor and CR4 carries SMEP and UMIP (§1.6, §3.4); when the demoted
  call returns, the syscall MSRs hold the values the platform had put there. Driver code reports what it sees
  by writing it to port 0x80/0x84 through the IO-write syscall (the example policy allows those ports).

  Background:
    Given the platform "q35"

  @req:SUPV-028 @req:SEED-000-001 @req:SEED-004-016
  Scenario: A driver entry point runs with code selector 0x5B and stack selector 0x53
    Given the MM driver "SelectorReporter" runs on entry:
      """
      - asm: |
          mov ax, cs
          movzx r9d, ax
          mov edx, 0x80
          mov r8d, 1
          mov eax, 4
          push r11
          syscall
          pop r11
          mov ax, ss
          movzx r9d, ax
          mov edx, 0x84
          mov r8d, 1
          mov eax, 4
          push r11
          syscall
          pop r11
      """
    When the platform boots
    Then the port 0x80 was written with 0x5B
    And the port 0x84 was written with 0x53
    And the MM driver "SelectorReporter" starts at CPL 3

  @req:SEED-000-007 @req:SEED-004-016 @req:SEED-000-001
  Scenario: An MMI handler runs at CPL 3
    Given the MM driver "PrivilegeReporter" handles MMI "WhoAmI" with:
      """
      - asm: |
          mov ax, cs
          and eax, 3
          mov r9d, eax
          mov edx, 0x80
          mov r8d, 0
          mov eax, 4
          push r11
          syscall
          pop r11
      - return: EFI_SUCCESS
      """
    When the platform boots
    And DXE sends MMI "WhoAmI" on the user channel
    Then the MMI return status is EFI_SUCCESS
    And the port 0x80 was written with 3

  @req:SEED-000-001 @req:SEED-000-007
  Scenario Outline: A driver cannot execute <instruction> itself; asking the supervisor through a syscall works
    Given the MM driver "Direct" runs on entry:
      """
      - asm: |
          <instruction>
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And the telemetry names the MM driver "Direct"

    Examples:
      | instruction |
      | cli         |
      | wbinvd      |
      | rdmsr       |

  @req:SEED-000-001
  Scenario: The supervisor executes a permitted privileged instruction on a driver's behalf
    Given the MM driver "Polite" runs on entry:
      """
      - instruction: cli
      - instruction: wbinvd
      """
    When the platform boots
    Then the MM driver "Polite" starts at CPL 3
    And the system keeps running

  @req:SUPV-020
  Scenario: While in MM, CR4 has SMEP and UMIP set and SMAP clear
    Given the CPU state at each syscall is observed
    And the firmware volume holds the MM drivers:
      | name   | depex |
      | Plain  | TRUE  |
    When the platform boots
    Then while in MM, CR4 has SMEP and UMIP set and SMAP clear

  @req:SUPV-020
  Scenario: UMIP makes SGDT fault in a driver
    Given the MM driver "TableSnooper" runs on entry:
      """
      - asm: |
          sub rsp, 24
          sgdt [rsp]
          add rsp, 24
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And the telemetry shows exception type 13
    And the telemetry names the MM driver "TableSnooper"

  @req:SUPV-035
  Scenario: While user code runs, SYSCALL and SYSRET are programmed for the supervisor
    Given the CPU state at each syscall is observed
    And the MM driver "Caller" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x42 }
      """
    When the platform boots
    Then the port 0x80 was written with 0x42
    And while user code ran, STAR selected 0x38 for SYSCALL and 0x4B for SYSRET, LSTAR pointed at the supervisor syscall entry and EFER.SCE was set

  @req:SUPV-036
  Scenario Outline: After a demoted handler returns, MSR <msr> (<name>) again holds the platform's value
    Given the MM driver "Handler" handles MMI "Demote" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots
    And code outside MM writes <value> to MSR <msr> on every processor
    And DXE sends MMI "Demote" on the user channel
    Then the handler of MMI "Demote" ran 1 time
    And every processor's MSR <msr> holds <value>

    Examples:
      | name           | msr        | value              |
      | STAR           | 0xC0000081 | 0x0023001000000000 |
      | LSTAR          | 0xC0000082 | 0xFFFFF80012345000 |
      | KERNEL_GS_BASE | 0xC0000102 | 0xFFFFF80000ABC000 |
