Feature: MMRAM is set up in PEI, then closed and locked for good
  The MM IPL builds the MM foundation in post-memory PEI while MMRAM is open, closes and locks every MMRAM range
  as soon as the core's entry point returns, and has the supervisor dispatch its drivers before DXE starts
  (supervisor-facts §1.1, §1.3). Once locked, code outside MM cannot reopen MMRAM and the MM handlers stay in
  service up to runtime.

  Background:
    Given the platform "q35"

  @req:SUPV-014 @req:SEED-001-024
  Scenario: The IPL closes and then locks MMRAM right after the core entry point returns
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SUCCESS
    And the MM IPL closes and then locks MMRAM right after the MM core entry point returns
    And MMRAM is locked
    When code outside MM reads 256 bytes of MMRAM
    Then every byte read is 0xFF

  @req:SEED-001-012
  Scenario: MMRAM is already locked when DXE starts
    When the platform boots to "end of PEI"
    Then MMRAM is locked
    And no DXE driver has started

  @req:SEED-004-003
  Scenario: Before the lock, boot firmware on the bootstrap processor can reach TSEG
    When the platform boots to "PEI"
    And code outside MM opens MMRAM
    Then MMRAM is open
    When code outside MM writes the byte 0xA5 at the start of MMRAM
    And code outside MM reads 1 bytes of MMRAM
    Then every byte read is 0xA5

  @req:SEED-004-003
  Scenario: The supervisor image the IPL placed in TSEG is the code that runs
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SUCCESS
    And every page of the MM core image is for the supervisor only
    And the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | MmSupervisorErrorReport |

  @req:SEED-004-013
  Scenario: Code outside MM cannot reopen MMRAM once it is locked
    When the platform boots
    And code outside MM tries to open MMRAM
    Then MMRAM is locked
    When code outside MM reads 64 bytes of MMRAM
    Then every byte read is 0xFF

  @req:SEED-004-013
  Scenario: MM handlers installed during boot still answer at runtime
    Given the MM driver "LateHandler" handles MMI "LateHandlerMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots
    And DXE sends MMI "LateHandlerMmi" on the user channel
    Then the MMI return status is EFI_SUCCESS
    And the handler of MMI "LateHandlerMmi" ran 1 time
    And MMRAM is locked

  @req:SEED-000-004 @req:SEED-001-010
  Scenario: The MM foundation is up and its drivers dispatched before any DXE driver runs
    Given the firmware volume holds the MM drivers:
      | name     | depex |
      | EarlyOne | TRUE  |
    When the platform boots to "DXE"
    Then the MM foundation was set up and its drivers dispatched before the first DXE driver started

  @req:SEED-000-004 @req:SEED-001-010
  Scenario: At the end of PEI, before DXE, the MM environment already serves MMIs
    Given the MM driver "PeiTimeHandler" handles MMI "PeiTimeMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "end of PEI"
    Then no DXE driver has started
    When a PEIM sends MMI "PeiTimeMmi" through the MM Communication PPI
    Then the MMI return status is EFI_SUCCESS
    And the handler of MMI "PeiTimeMmi" ran 1 time
