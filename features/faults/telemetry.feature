Feature: The MSVT telemetry record and its delivery to the error-report driver
  For a fault the supervisor fills MM_SUPV_TELEMETRY_DATA (Signature 'MSVT', TelemetrySize, ExceptionType =
  vector, DriverId, ExceptionRIP, DriverLoadAddress) at offset 8 of the user scratch page and calls the routine
  MmSupervisorErrorReport registered with SMM_ERR_RPT_JMP, demoted to CPL 3, with (CpuIndex, record) (supervisor-
  facts §9.3). The error-report driver is real CPL 3 code that counts the reports and keeps a copy of the record.

  Background:
    Given the platform "q35"

  @req:SUPV-117 @req:SUPV-118
  Scenario Outline: A <fault> in a driver: the record, its delivery and the driver's identity
    Given the MM driver "Faulty" runs on entry:
      """
      - asm: |
          <code>
      """
    When the platform boots
    Then the supervisor stops the system for a "<fault>"
    And the user scratch page holds at offset 8 an MSVT record of 0x388 bytes for exception type <vector> at the faulting RIP
    And the error report driver received that record at CPL 3 with the CPU index 0
    And the telemetry names the MM driver "Faulty"
    And the telemetry gives the image base of the MM driver "Faulty" as the load address
    And the system is reset

    Examples:
      | fault                    | vector | code                        |
      | general protection fault | 13     | cli                         |
      | page fault               | 14     | mov rax, [0x10000000]       |
      | invalid opcode           | 6      | ud2                         |
      | divide error             | 0      | xor ecx, ecx\n          div ecx |

  @req:SUPV-118
  Scenario: The record names the second of two drivers when it is the one that faults
    Given the firmware volume holds the MM drivers:
      | name    | depex |
      | Quiet   | TRUE  |
      | Noisy   | TRUE  |
    And the MM driver "Quiet" runs on entry:
      """
      - rdmsr: 0x1B
      """
    And the MM driver "Noisy" runs on entry:
      """
      - asm: |
          hlt
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And the telemetry names the MM driver "Noisy"
    And the telemetry gives the image base of the MM driver "Noisy" as the load address

  @req:SUPV-117 @req:SUPV-118
  Scenario: A fault in an MMI handler after boot is reported the same way
    Given the MM driver "Handler" handles MMI "gScenarioFaultGuid" with:
      """
      - asm: |
          mov ecx, 0x1B
          rdmsr
      """
    When the platform boots
    And DXE sends MMI "gScenarioFaultGuid" on the user channel
    Then the supervisor stops the system for a "general protection fault"
    And the user scratch page holds at offset 8 an MSVT record of 0x388 bytes for exception type 13 at the faulting RIP
    And the error report driver received that record at CPL 3 with the CPU index 0
    And the telemetry names the MM driver "Handler"

  @req:SUPV-119
  Scenario Outline: A fault before the error-report driver registered still <end>, with no CPL 3 report
    Given <mode>
    And the firmware volume holds the MM drivers:
      | name  | depex                          |
      | Early | BEFORE MmSupervisorErrorReport |
    And the MM driver "Early" runs on entry:
      """
      - asm: |
          cli
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And no error report reached CPL 3
    And <outcome>

    Examples:
      | end        | mode                                 | outcome            |
      | resets     | a fatal violation resets the system  | the system is reset |
      | hangs      | a fatal violation hangs the system   | the system hangs    |
