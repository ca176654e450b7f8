Feature: The essential drivers, the single firmware volume and the broker that starts first
  A platform carries StandaloneMmUnblockMem, the MM IPL (PiSmmIpl / MmIplPei), MmSupervisorCore and
  MmSupervisorRing3Broker. The supervisor ingests MM drivers only from the firmware volumes it finds at its entry
  point; the broker (depex TRUE, no services-table library) starts before every other user driver, whose depex
  waits for the broker's gMmRing3HandlerReadyProtocol; a driver started before the broker registered its MM
  system table gets NULL (supervisor-facts §1.10, §2.1, §2.6).

  Background:
    Given the platform "q35"

  @req:SEED-000-009 @req:SEED-002-002
  Scenario: The platform carries and runs the four essential drivers
    When the platform boots to "DXE"
    Then the platform firmware carries and runs the essential drivers:
      | StandaloneMmUnblockMem  |
      | PiSmmIpl                |
      | MmSupervisorCore        |
      | MmSupervisorRing3Broker |

  @req:SEED-000-009 @req:SEED-002-002
  Scenario: Without the broker no ordinary MM driver can run
    Given the platform "q35-no-broker"
    And the firmware volume holds the MM drivers:
      | name     | depex |
      | Ordinary | TRUE  |
    When the platform boots
    Then the MM driver "Ordinary" never starts
    And the MM driver "MmSupervisorErrorReport" never starts

  @req:SEED-000-010 @req:SEED-002-003
  Scenario: The supervisor, the broker and every MM driver come from one firmware volume
    Given the firmware volume holds the MM drivers:
      | name    | depex |
      | DriverA | TRUE  |
      | DriverB | TRUE  |
    When the platform boots
    Then the MM core, the broker and every MM driver come from one firmware volume
    And the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | DriverA                 |
      | DriverB                 |

  @req:SEED-000-011 @req:SEED-002-004
  Scenario: A firmware volume published after the supervisor's entry point is never searched
    When the platform boots to "DXE"
    And DXE publishes a firmware volume holding the MM driver "LateDriver"
    And DXE sends MMI "gMmSupervisorDriverDispatchGuid" on the supervisor channel
    And the platform continues to "runtime"
    Then the MM driver "LateDriver" of the late firmware volume never starts

  @req:SEED-000-011 @req:SEED-002-004
  Scenario: A firmware volume already described when the supervisor's entry point runs is ingested
    Given PEI publishes a second firmware volume holding the MM driver "EarlyDriver"
    When the platform boots
    Then the MM driver "EarlyDriver" of the second firmware volume starts

  @req:SEED-000-023 @req:SEED-002-016 @req:SUPV-030
  Scenario: The broker starts first even when another user driver precedes it in the firmware volume
    Given the platform "q35-broker-last"
    When the platform boots
    Then the first MM driver to start is "MmSupervisorRing3Broker"
    And the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | MmSupervisorErrorReport |

  @req:SEED-000-023 @req:SEED-002-016
  Scenario: Drivers with a satisfied depex still start after the broker
    Given the firmware volume holds the MM drivers:
      | name    | depex |
      | Eager   | TRUE  |
    When the platform boots
    Then the first MM driver to start is "MmSupervisorRing3Broker"
    And the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | Eager                   |

  @req:SUPV-030
  Scenario: A driver linking the services-table library is not dispatched while the ready protocol is missing
    Given the platform "q35-no-broker"
    And the firmware volume holds the MM drivers:
      | name    | depex |
      | Waiting | TRUE  |
    When the platform boots
    Then the MM driver "Waiting" never starts
    And the system keeps running

  @req:SEED-000-024 @req:SEED-002-017
  Scenario: Nothing gates the broker: it starts though no driver has installed anything before it
    Given the platform "q35-broker-last"
    When the platform boots to "end of PEI"
    Then the first MM driver to start is "MmSupervisorRing3Broker"
    And the MM driver "MmSupervisorRing3Broker" starts at CPL 3

  @req:SUPV-029
  Scenario: A driver's entry point receives the MM system table the broker registered
    # The asm block is the first thing the entry point runs, so RDX still holds its MmSystemTable argument.
    Given the MM driver "TableReporter" runs on entry:
      """
      - asm: |
          mov r10, rdx
          mov r9d, r10d
          mov edx, 0x80
          mov r8d, 2
          mov eax, 4
          push r11
          syscall
          pop r11
          mov rax, r10
          shr rax, 32
          mov r9d, eax
          mov edx, 0x84
          mov r8d, 2
          mov eax, 4
          push r11
          syscall
          pop r11
      """
    When the platform boots
    Then the ports 0x80 and 0x84 were written with the address of the MM system table the broker registered

  @req:SUPV-029 @req:SEED-000-025 @req:SEED-002-018
  Scenario: A driver started before the broker registered its table receives NULL
    Given the firmware volume holds the MM drivers:
      | name       | depex                          |
      | BeforeAll  | BEFORE MmSupervisorRing3Broker |
    And the MM driver "BeforeAll" runs on entry:
      """
      - asm: |
          mov rax, rdx
          test rax, rax
          setz al
          movzx r9d, al
          mov edx, 0x80
          mov r8d, 0
          mov eax, 4
          push r11
          syscall
          pop r11
      """
    When the platform boots
    Then the MM drivers start in this order:
      | BeforeAll               |
      | MmSupervisorRing3Broker |
    And the port 0x80 was written with 1

  @req:SEED-000-025 @req:SEED-002-018
  Scenario: The broker itself is entered before any MM system table is registered
    When the platform boots to "end of PEI"
    Then the MM driver "MmSupervisorRing3Broker" was entered with a NULL system table
    And the MM driver "MmSupervisorErrorReport" starts at CPL 3
