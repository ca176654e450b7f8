Feature: MM keeps its own protocol and service databases
  The MM foundation has its own protocol database, separate from DXE's, and the supervisor keeps its own
  database apart from the one user-mode drivers use: the broker's user database answers MmLocateProtocol, and
  the supervisor's database (LoadedImage instances, mirrored GUIDs for DEPEX) is not visible to user drivers
  (supervisor-facts §2.2 rule 2, §2.5, §2.6, §3.9).

  Background:
    Given the platform "q35"

  @req:SEED-000-005 @req:SEED-003-002
  Scenario Outline: A protocol installed in DXE is not in the MM protocol database (<protocol>)
    Given the MM driver "Looker" locates the protocol "<protocol>" when MMI "gLookNow" arrives
    When the platform boots to "end of DXE"
    And DXE sends MMI "gLookNow" on the user channel
    Then the MMI handler of the MM driver "Looker" returned EFI_NOT_FOUND

    Examples:
      | protocol                               |
      | gEfiSmmControl2ProtocolGuid            |
      | gMmSupervisorCommunicationProtocolGuid |
      | gMmSupervisorUnblockMemoryProtocolGuid |
      | gEfiDxeSmmReadyToLockProtocolGuid      |

  @req:SEED-000-005 @req:SEED-003-003
  Scenario: A protocol installed in MM is found through the MM protocol database
    Given the MM driver "Installer" runs on entry:
      """
      - install_protocol: gMmOnlyService
      """
    And the MM driver "Looker" locates the protocol "gMmOnlyService" when MMI "gLookNow" arrives
    When the platform boots to "end of DXE"
    And DXE sends MMI "gLookNow" on the user channel
    Then the MMI handler of the MM driver "Looker" returned EFI_SUCCESS
    And the MMI return status is EFI_SUCCESS

  @req:SEED-000-006
  Scenario: The supervisor's own database is not the one user drivers see
    # The supervisor installs a LoadedImage protocol (5B1B31A1-…) for every driver it loads, in its own database;
    # the user database the broker serves through MmLocateProtocol has none.
    Given the MM driver "Looker" locates the protocol "5B1B31A1-9562-11D2-8E3F-00A0C969723B" when MMI "gLookNow" arrives
    When the platform boots to "end of DXE"
    And DXE sends MMI "gLookNow" on the user channel
    Then the supervisor's own protocol database has a LoadedImage protocol for each of the MM drivers:
      | MmSupervisorRing3Broker |
      | Looker                  |
    And the MMI handler of the MM driver "Looker" returned EFI_NOT_FOUND
