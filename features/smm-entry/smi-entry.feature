Feature: Entering MM through an SMI and leaving it with RSM
  On x86, MM is System Management Mode. A write to the APM control port 0xB2 raises a software SMI; every
  processor thread takes it, stores its state in its own save-state area in TSEG, runs the supervisor's SMI
  handler with MM's own page tables, IDT and GDT, and RSM resumes the interrupted code with its state restored
  (x86-smm-facts §1.1–§1.9, §2.5; supervisor-facts §1.5 step 7, §8.3).

  Background:
    Given the platform "q35"
    And the MM driver "Watcher" handles every MMI with:
      """
      - save_state_read: { register: IO, cpu: 0 }
      """

  @req:SEED-001-001 @req:SEED-003-004 @req:SEED-004-006 @req:SEED-004-007
  Scenario: A write to port 0xB2 makes every processor enter SMM, where the MM handlers run
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then every processor entered SMM once and left it with RSM
    And the root MMI handlers ran 1 time during that SMI
    And the save state of CPU 0 shows the SMI came from an OUT to port 0xB2
    And no processor is in SMM any more

  @req:SEED-004-006
  Scenario Outline: Writing another port (<port>) raises no SMI
    When the platform boots
    And code outside MM writes 0x42 to port <port>
    Then no processor entered SMM
    And the root MMI handlers ran 0 times during that SMI

    Examples:
      | port |
      | 0x80 |
      | 0xB3 |
      | 0x70 |

  @req:SEED-004-007
  Scenario Outline: Every processor thread enters SMM on an SMI (<cpus> processors)
    Given the platform has <cpus> processors
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then every processor entered SMM once and left it with RSM
    And each processor saved its state in its own area inside MMRAM that code outside MM cannot read

    Examples:
      | cpus |
      | 1    |
      | 2    |
      | 4    |

  @req:SEED-003-007 @req:SEED-004-008
  Scenario: Each processor stores its state, registers included, in its own save-state area in TSEG
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then the save state of CPU 0 holds the registers of the interrupted code
    And each processor saved its state in its own area inside MMRAM that code outside MM cannot read
    And the MMI handler of the MM driver "Watcher" returned EFI_SUCCESS

  @req:SEED-004-010
  Scenario: RSM resumes the interrupted code with its registers restored
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then the root MMI handlers ran 1 time during that SMI
    And the interrupted code ran on with every register as it was
    And after RSM every processor is back on the page tables, IDT and GDT of the interrupted code

  @req:SEED-003-008 @req:SEED-004-001
  Scenario: In SMM the processors run at CPL 0 on page tables, an IDT and a GDT that MM set up in MMRAM
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then while in SMM every processor ran at CPL 0 on page tables, an IDT and a GDT inside MMRAM
    And after RSM every processor is back on the page tables, IDT and GDT of the interrupted code

  @req:SEED-003-006
  Scenario: The SMI is taken even with interrupts disabled
    When the platform boots
    And code outside MM raises software SMI 0x42 with interrupts disabled
    Then every processor entered SMM once and left it with RSM
    And the save state of CPU 0 shows interrupts were disabled when the SMI arrived
    And the root MMI handlers ran 1 time during that SMI
    And the interrupted code ran on with every register as it was

  @req:SEED-004-004
  Scenario: After RSM the processors stay outside SMM until the next SMI
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then every processor entered SMM once and left it with RSM
    When code outside MM writes 0x42 to port 0x80
    Then no processor entered SMM
    And no processor is in SMM any more
    When code outside MM raises software SMI 0x43
    Then every processor entered SMM once and left it with RSM
    And the root MMI handlers ran 1 time during that SMI

  @req:SEED-003-005 @req:SEED-004-005
  Scenario: A peripheral (asynchronous) SMI also brings every processor into MM, with no I/O trap
    When the platform boots
    And a peripheral raises an SMI
    Then every processor entered SMM once and left it with RSM
    And the root MMI handlers ran 1 time during that SMI
    And the save state of CPU 0 shows no I/O instruction caused the SMI
    And the MMI handler of the MM driver "Watcher" returned EFI_NOT_FOUND

  @req:SEED-003-005
  Scenario: A software (synchronous) SMI carries the I/O trap of the OUT that raised it
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then the root MMI handlers ran 1 time during that SMI
    And the save state of CPU 0 shows the SMI came from an OUT to port 0xB2
    And the MMI handler of the MM driver "Watcher" returned EFI_SUCCESS
