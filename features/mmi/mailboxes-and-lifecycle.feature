Feature: Mailboxes, the order of the two channels, ExitBootServices, and MMIs along the boot
  On every SMI the core services the user channel first when its mailbox is valid, and then does not touch the
  supervisor mailbox (supervisor-facts §8.3 step 2, §12 item 110). After the ExitBootServices MMI the supervisor
  channel is refused in an odd way: no reply is written into the supervisor mailbox, which stays marked valid, so the
  IPL returns stale data and refuses every later supervisor call itself (§8.3 step 3a, §11 item 8). MM handlers are
  reachable from PEI once the foundation is up, and DXE events reach MM drivers only when DXE relays them.

  Background:
    Given the platform "q35"

  @req:SUPV-110
  Scenario: With both mailboxes valid only the user channel is serviced; the pending supervisor MMI is untouched
    Given the MM driver "User" handles MMI "UserMmi" with:
      """
      - asm: |
          mov byte [r8], 0x5A
      """
    When the platform boots to "DXE"
    And DXE leaves MMI "gMmSupervisorRequestHandlerGuid" pending on the supervisor channel
    And DXE sends MMI "UserMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0x5A as a u8 at offset 24
    And during the last SMI the handler of MMI "UserMmi" ran 1 time
    And during the last SMI the supervisor request handler ran 0 times
    And the supervisor mailbox is still marked valid
    And the pending supervisor MMI is untouched

  @req:SUPV-110
  Scenario: The supervisor MMI left pending is serviced by the next SMI that finds no user MMI
    When the platform boots to "DXE"
    And DXE leaves MMI "gMmSupervisorRequestHandlerGuid" pending on the supervisor channel
    And software SMI 0x01 is raised
    Then the supervisor mailbox is not marked valid
    And the supervisor mailbox holds ReturnStatus EFI_NOT_FOUND and ReturnBufferSize 25
    And during the last SMI the supervisor request handler ran 1 time

  @req:SUPV-111
  Scenario: After ExitBootServices a supervisor-channel MMI is left unanswered and the next one is refused by the IPL
    Given the MM driver "Root" handles every MMI with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "runtime"
    And DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code 3 and 16 payload bytes
    Then an SMI was triggered
    And during the last SMI the supervisor request handler ran 0 times
    And during the last SMI the root MMI handlers ran 0 times
    And the supervisor mailbox is still marked valid
    And the supervisor comm buffer holds 0 as a u32 at offset 48
    And the supervisor comm buffer holds 0 as a u64 at offset 40
    When DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code 3 and 16 payload bytes
    Then the communicate call returns EFI_INVALID_PARAMETER
    And no SMI was triggered

  @req:SUPV-111
  Scenario: Before ExitBootServices the same request is answered and the mailbox released
    When the platform boots to "ready to boot"
    And DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code 3 and 16 payload bytes
    Then the request result is EFI_SUCCESS
    And the supervisor mailbox is not marked valid
    And the supervisor comm buffer holds 0x00170027 as a u32 at offset 48

  @req:SUPV-111 @req:SUPV-109
  Scenario: After ExitBootServices the user channel keeps working
    Given the MM driver "Runtime" handles MMI "RuntimeMmi" with:
      """
      - asm: |
          mov byte [r8], 0x77
      """
    When the platform boots to "runtime"
    And DXE sends MMI "RuntimeMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0x77 as a u8 at offset 24

  @req:SEED-001-015
  Scenario: An MM handler is invoked from PEI once the MM foundation is up
    Given the MM driver "PeiService" handles MMI "PeiServiceMmi" with:
      """
      - asm: |
          mov byte [r8], 0x3C
      """
    When the platform boots to "end of PEI"
    And PEI sends MMI "PeiServiceMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0x3C as a u8 at offset 24
    And during the last SMI the handler of MMI "PeiServiceMmi" ran 1 time

  @req:SEED-000-016 @req:SEED-002-009
  Scenario: A DXE event reaches an MM driver only when a DXE driver relays it through MM communicate
    Given the MM driver "Listener" handles MMI "OemDxeEventGroup" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "ready to boot"
    Then the handler of MMI "OemDxeEventGroup" ran 0 times
    When DXE sends MMI "OemDxeEventGroup" on the user channel with data "00"
    Then the handler of MMI "OemDxeEventGroup" ran 1 time
    And the MMI return status is EFI_SUCCESS

  @req:SEED-000-016 @req:SEED-002-009
  Scenario: The end of DXE is not relayed to user handlers by the supervisor package; relayed, the broker takes it
    When the platform boots to "ready to boot"
    Then the handler of MMI "gEfiEndOfDxeEventGroupGuid" ran 0 times
    When DXE sends MMI "gEfiEndOfDxeEventGroupGuid" on the user channel with data "00"
    Then the handler of MMI "gEfiEndOfDxeEventGroupGuid" ran 1 time
    And the MMI return status is EFI_SUCCESS

  @req:SEED-001-005
  Scenario: A driver's MMI handler runs only after its entry point (initialisation) has completed
    Given the MM driver "Phased" handles MMI "PhasedMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And DXE sends MMI "PhasedMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the MM driver "Phased" started before the handler of MMI "PhasedMmi" first ran

  @req:SEED-001-005
  Scenario: A driver whose initialisation never ran has no runtime phase: its handler is never called
    Given the firmware volume holds the MM drivers:
      | name    | depex              |
      | Waiting | gNeverInstalledGuid |
    And the MM driver "Waiting" handles MMI "WaitingMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And DXE sends MMI "WaitingMmi" on the user channel with data "00"
    Then the MM driver "Waiting" never starts
    And the MMI return status is EFI_NOT_FOUND
    And the handler of MMI "WaitingMmi" ran 0 times
