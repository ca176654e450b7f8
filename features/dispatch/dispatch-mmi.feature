Feature: The driver-dispatch MMI
  The supervisor's dispatch handler (gMmSupervisorDriverDispatchGuid, supervisor channel only) runs the
  dispatcher and writes its EFI_STATUS into the first 8 bytes of a payload of 8 bytes or more; it is removed
  at ready-to-lock (supervisor-facts §2.4, §8.6, §1.8).

  Background:
    Given the platform "q35"
    And the firmware volume holds the MM drivers:
      | name   | depex   |
      | Waiter | gWakeUp |
    And the MM driver "Alarm" handles MMI "gAlarmRing" with:
      """
      - install_protocol: gWakeUp
      """

  @req:SUPV-032
  Scenario: A dispatch that starts a newly satisfied driver reports EFI_SUCCESS in the payload
    When the platform boots to "DXE"
    And DXE sends MMI "gAlarmRing" on the user channel
    Then the MM driver "Waiter" never starts
    When DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MMI return status is EFI_SUCCESS
    And the MMI reply payload starts with the status EFI_SUCCESS
    And the MM driver "Waiter" starts right after the MM driver "Alarm"

  @req:SUPV-032
  Scenario: A longer payload carries the status in its first 8 bytes only
    When the platform boots to "DXE"
    And DXE sends the driver-dispatch MMI with a 12-byte payload
    Then the MMI reply payload is "0000000000000000 ffffffff"

  @req:SUPV-032
  Scenario: A payload shorter than 8 bytes is left untouched
    When the platform boots to "DXE"
    And DXE sends the driver-dispatch MMI with a 4-byte payload
    Then the MMI return status is EFI_SUCCESS
    And the MMI reply payload is "ffffffff"

  @req:SUPV-033
  Scenario: Once every driver has been dispatched, another dispatch MMI reports EFI_NOT_FOUND
    When the platform boots to "DXE"
    And DXE sends MMI "gAlarmRing" on the user channel
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MM driver "Waiter" starts
    When DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MMI return status is EFI_SUCCESS
    And the MMI reply payload starts with the status EFI_NOT_FOUND

  @req:SUPV-034
  Scenario Outline: The dispatch MMI reaches a handler only before ready-to-lock (<milestone>)
    When the platform boots to "<milestone>"
    And DXE sends MMI "gAlarmRing" on the user channel
    And DXE sends the driver-dispatch MMI with a 8-byte payload
    Then the MMI return status is <status>
    And the MM driver "Waiter" <outcome>

    Examples:
      | milestone     | status        | outcome         |
      | DXE           | EFI_SUCCESS   | starts at CPL 3 |
      | end of DXE    | EFI_SUCCESS   | starts at CPL 3 |
      | ready to lock | EFI_NOT_FOUND | never starts    |
      | ready to boot | EFI_NOT_FOUND | never starts    |
