Feature: MMRAM is isolated from code outside MM
  MM code and data live in TSEG; once the IPL has closed and locked it, code outside SMM reads all-ones there
  and its writes are dropped, while MM code sees the real contents (x86-smm-facts §2.1–§2.2; seed 003).

  Background:
    Given the platform "q35"

  @req:SEED-003-001
  Scenario: Code outside MM reads all-ones from MMRAM where MM code lives
    When the platform boots
    And code outside MM reads 256 bytes of MMRAM
    Then every byte read is 0xFF
    When code outside MM reads 64 bytes at 0x3F800000
    Then every byte read is 0xFF

  @req:SEED-003-001 @req:SEED-004-001
  Scenario: The save-state areas in TSEG are readable by MM code only
    Given the MM driver "Watcher" handles every MMI with:
      """
      - save_state_read: { register: IO, cpu: 0 }
      """
    When the platform boots
    And code outside MM raises software SMI 0x42
    Then the MMI handler of the MM driver "Watcher" returned EFI_SUCCESS
    And each processor saved its state in its own area inside MMRAM that code outside MM cannot read
