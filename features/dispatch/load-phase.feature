Feature: MM drivers are loaded and started once, inside MMRAM, while the MM foundation initialises
  The supervisor takes every Standalone MM driver from the firmware volumes it finds at core entry; a driver's
  initialisation phase is its entry-point call on an image in MMRAM, and it ends when the entry point returns.
  No MM driver is brought in from outside MMRAM afterwards (supervisor-facts §1.1 item 4, §1.10, §2.1, §2.4).

  Background:
    Given the platform "q35"

  @req:SEED-001-002
  Scenario: Initialisation is the entry-point call on an image in MMRAM and ends when it returns
    Given the firmware volume holds the MM drivers:
      | name    | depex     |
      | Starter | TRUE      |
      | Next    | gStarted  |
    And the MM driver "Starter" runs on entry:
      """
      - install_protocol: gStarted
      - return: EFI_SUCCESS
      """
    And the MM driver "Starter" handles MMI "gStarterPing" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    Then the MM driver "Starter" runs from an image in MMRAM
    And the MM driver "Starter" starts at CPL 3
    And the entry point of the MM driver "Starter" returned EFI_SUCCESS
    And the MM driver "Next" starts right after the MM driver "Starter"
    When DXE sends MMI "gStarterPing" on the user channel
    Then the MMI return status is EFI_SUCCESS
    And the handler of MMI "gStarterPing" ran 1 time

  @req:SEED-001-007
  Scenario: An MM_STANDALONE driver is started once, inside MM, however often DXE asks for a dispatch
    Given the firmware volume holds the MM drivers:
      | name    | depex |
      | Once    | TRUE  |
    When the platform boots to "DXE"
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    And the platform continues to "runtime"
    Then the MM driver "Once" starts once
    And the MM driver "Once" runs from an image in MMRAM
    And the MM driver "Once" starts at CPL 3

  @req:SEED-001-022 @req:SEED-001-023
  Scenario: A driver dispatched late still runs the code MM took at initialisation, not the FV in DRAM
    Given the firmware volume holds the MM drivers:
      | name   | depex   |
      | Waiter | gWakeUp |
    And the MM driver "Waiter" runs on entry:
      """
      - io_write: { port: 0x80, width: 1, value: 0x5A }
      """
    And the MM driver "Alarm" handles MMI "gAlarmRing" with:
      """
      - install_protocol: gWakeUp
      """
    When the platform boots to "DXE"
    And code outside MM overwrites the MM firmware volume with 0xFF bytes
    And DXE sends MMI "gAlarmRing" on the user channel
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MM driver "Waiter" starts at CPL 3
    And the port 0x80 was written with 0x5A
    And the system keeps running

  @req:SEED-001-022 @req:SEED-001-023
  Scenario Outline: Drivers of a firmware volume published in <phase> <verdict>
    Given the second firmware volume holds the MM drivers:
      | name      | depex |
      | Extra     | TRUE  |
    And the firmware volume holds the MM drivers:
      | name      | depex |
      | Pending   | gNeverInstalled |
    When the platform boots to "<phase>"
    And <phase> publishes the second firmware volume
    And the platform continues to "DXE"
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MMI reply payload starts with the status EFI_SUCCESS
    And the MM driver "Extra" <outcome>

    Examples:
      | phase | verdict                                         | outcome         |
      | PEI   | are ingested at core entry                      | starts at CPL 3 |
      | DXE   | are never brought into MM after initialisation | never starts    |
