Feature: Boot flow and MMRAM lock
  The MM IPL loads the supervisor, closes and locks MMRAM, checks the supervisor's version and asks it to
  dispatch the MM drivers; code outside MM can never read MMRAM afterwards.

  Background:
    Given the platform "q35"

  @req:SUPV-014
  Scenario: MMRAM is locked before the end of PEI and reads back as all ones from outside MM
    When the platform boots to "end of PEI"
    Then MMRAM is locked
    When code outside MM reads 64 bytes of MMRAM
    Then every byte read is 0xFF

  @req:SUPV-015
  Scenario: The supervisor answers VERSION_INFO like the release build
    When the platform boots to "DXE"
    And DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And the supervisor version is 0x00170027 with patch level 0x00010001

  @req:SUPV-028
  Scenario: Drivers run at CPL 3 in FV order after the broker
    Given the firmware volume holds the MM drivers:
      | name    | depex |
      | DriverA | TRUE  |
      | DriverB | TRUE  |
    When the platform boots
    Then the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | DriverA                 |
      | DriverB                 |
    And the MM driver "DriverA" starts at CPL 3
    And the system keeps running

  @req:SUPV-045
  Scenario: A denied MSR write stops the system
    Given the MM driver "Writer" runs on entry:
      """
      - wrmsr: { msr: 0xC0000080, value: 0 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the system is reset
