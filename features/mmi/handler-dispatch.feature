Feature: MMI handler dispatch — GUIDed and root handlers, status folding, user versus supervisor handlers
  `MmiManage` (supervisor-facts §8.5) walks the handlers of one GUID (or the root list) in registration order; on the
  user path only user handlers run (demoted to CPL3), on the supervisor path only supervisor handlers. Statuses fold:
  SUCCESS → SUCCESS and, for a GUIDed MMI, stop; WARN_INTERRUPT_SOURCE_QUIESCED → SUCCESS, continue;
  WARN_INTERRUPT_SOURCE_PENDING → PENDING unless SUCCESS; INTERRUPT_PENDING → GUIDed: stop; anything else is ignored.
  The mailbox reports SUCCESS only for a SUCCESS result, EFI_NOT_FOUND otherwise (§8.3 step 2f). The handlers below
  are CPL3 code: each leaves a mark byte in the comm buffer it was handed (R8) so the returned bytes show who ran.

  Background:
    Given the platform "q35"

  @req:SUPV-106
  Scenario Outline: A handler returning <status> makes the mailbox report <reported>
    Given the MM driver "Only" handles MMI "FoldMmi" with:
      """
      - asm: |
          mov byte [r8], 0xA1
      - return: <status>
      """
    When the platform boots to "DXE"
    And DXE sends MMI "FoldMmi" on the user channel with data "00"
    Then the MMI return status is <reported>
    And the user mailbox holds ReturnStatus <reported> and ReturnBufferSize 25
    And the user comm buffer holds 0xA1 as a u8 at offset 24
    And during the last SMI the handler of MMI "FoldMmi" ran 1 time

    Examples:
      | status                             | reported      |
      | EFI_SUCCESS                        | EFI_SUCCESS   |
      | EFI_WARN_INTERRUPT_SOURCE_QUIESCED | EFI_SUCCESS   |
      | EFI_WARN_INTERRUPT_SOURCE_PENDING  | EFI_NOT_FOUND |
      | EFI_INTERRUPT_PENDING              | EFI_NOT_FOUND |
      | EFI_NOT_FOUND                      | EFI_NOT_FOUND |
      | EFI_ABORTED                        | EFI_NOT_FOUND |
      | EFI_UNSUPPORTED                    | EFI_NOT_FOUND |
      | EFI_ACCESS_DENIED                  | EFI_NOT_FOUND |
      | EFI_BUFFER_TOO_SMALL               | EFI_NOT_FOUND |

  @req:SUPV-106
  Scenario: An MMI nobody handles is reported as EFI_NOT_FOUND
    When the platform boots to "DXE"
    And DXE sends MMI "NobodysMmi" on the user channel with data "00"
    Then the MMI return status is EFI_NOT_FOUND
    And during the last SMI the handler of MMI "NobodysMmi" ran 0 times

  @req:SUPV-107 @req:SUPV-106
  Scenario Outline: The first handler returns <status>: the second <second>, the mailbox reports <reported>
    Given the firmware volume holds the MM drivers:
      | name   | depex |
      | First  | TRUE  |
      | Second | TRUE  |
    And the MM driver "First" handles MMI "SharedMmi" with:
      """
      - asm: |
          mov byte [r8], 0xA1
      - return: <status>
      """
    And the MM driver "Second" handles MMI "SharedMmi" with:
      """
      - asm: |
          mov byte [r8 + 1], 0xB2
      - return: EFI_UNSUPPORTED
      """
    When the platform boots to "DXE"
    And DXE sends MMI "SharedMmi" on the user channel with data "0000"
    Then the user comm buffer holds the bytes "<marks>" at offset 24
    And during the last SMI the handler of MMI "SharedMmi" ran <runs> times
    And the MMI return status is <reported>

    Examples:
      | status                             | second      | marks | runs | reported      |
      | EFI_SUCCESS                        | never runs  | A1 00 | 1    | EFI_SUCCESS   |
      | EFI_INTERRUPT_PENDING              | never runs  | A1 00 | 1    | EFI_NOT_FOUND |
      | EFI_WARN_INTERRUPT_SOURCE_QUIESCED | runs        | A1 B2 | 2    | EFI_SUCCESS   |
      | EFI_WARN_INTERRUPT_SOURCE_PENDING  | runs        | A1 B2 | 2    | EFI_NOT_FOUND |
      | EFI_ABORTED                        | runs        | A1 B2 | 2    | EFI_NOT_FOUND |

  @req:SUPV-107 @req:SUPV-109 @req:SEED-004-009
  Scenario: Root handlers all run on an asynchronous SMI; a root handler's SUCCESS does not stop the walk
    Given the firmware volume holds the MM drivers:
      | name      | depex |
      | RootOne   | TRUE  |
      | RootTwo   | TRUE  |
    And the MM driver "RootOne" handles every MMI with:
      """
      - return: EFI_SUCCESS
      """
    And the MM driver "RootTwo" handles every MMI with:
      """
      - return: EFI_INTERRUPT_PENDING
      """
    When the platform boots to "DXE"
    And software SMI 0x42 is raised
    Then during the last SMI the root MMI handlers ran 2 times
    And the system keeps running

  @req:SUPV-108 @req:SUPV-082
  Scenario: A user handler registered for the request GUID runs on the user channel, the supervisor's on the supervisor channel
    Given the MM driver "Squatter" handles MMI "gMmSupervisorRequestHandlerGuid" with:
      """
      - asm: |
          mov byte [r8 + 20], 0xEE
      """
    When the platform boots to "DXE"
    And DXE sends the supervisor request VERSION_INFO on the user channel
    Then during the last SMI the handler of MMI "gMmSupervisorRequestHandlerGuid" ran 1 time
    And during the last SMI the supervisor request handler ran 0 times
    And the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0xEE as a u8 at offset 44
    And the user comm buffer holds 0 as a u32 at offset 48
    When DXE sends the supervisor request VERSION_INFO
    Then during the last SMI the handler of MMI "gMmSupervisorRequestHandlerGuid" ran 0 times
    And during the last SMI the supervisor request handler ran 1 time
    And the request result is EFI_SUCCESS
    And the supervisor comm buffer holds 0 as a u8 at offset 44

  @req:SUPV-108
  Scenario: A user handler's GUID sent on the supervisor channel reaches no handler
    Given the MM driver "UserOnly" handles MMI "UserOnlyMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And DXE sends MMI "UserOnlyMmi" on the supervisor channel with data "00"
    Then the MMI return status is EFI_NOT_FOUND
    And during the last SMI the handler of MMI "UserOnlyMmi" ran 0 times
    When DXE sends MMI "UserOnlyMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And during the last SMI the handler of MMI "UserOnlyMmi" ran 1 time

  @req:SUPV-108
  Scenario Outline: The supervisor's own <name> handler is not reachable on the user channel
    When the platform boots to "DXE"
    And DXE sends MMI "<guid>" on the user channel with data "0000000000000000"
    Then the MMI return status is EFI_NOT_FOUND
    And the user comm buffer holds 0 as a u64 at offset 24

    Examples:
      | name             | guid                             |
      | driver dispatch  | gMmSupervisorDriverDispatchGuid  |
      | request          | gMmSupervisorRequestHandlerGuid  |

  @req:SUPV-109 @req:SEED-004-009
  Scenario: Root handlers run on a user-channel MMI and an asynchronous SMI, never on a supervisor-channel MMI
    Given the MM driver "Root" handles every MMI with:
      """
      - return: EFI_SUCCESS
      """
    And the MM driver "Guided" handles MMI "GuidedMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And DXE sends MMI "GuidedMmi" on the user channel with data "00"
    Then during the last SMI the root MMI handlers ran 1 time
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And during the last SMI the root MMI handlers ran 0 times
    When software SMI 0x55 is raised
    Then during the last SMI the root MMI handlers ran 1 time
    And during the last SMI the handler of MMI "GuidedMmi" ran 0 times

  @req:SEED-003-009 @req:SEED-004-012
  Scenario: The MMI's GUID selects the handler; handlers of several vendors live side by side with the supervisor's
    Given the firmware volume holds the MM drivers:
      | name        | depex |
      | VendorAlpha | TRUE  |
      | VendorBeta  | TRUE  |
    And the MM driver "VendorAlpha" handles MMI "AlphaMmi" with:
      """
      - asm: |
          mov byte [r8], 0xAA
      """
    And the MM driver "VendorBeta" handles MMI "BetaMmi" with:
      """
      - asm: |
          mov byte [r8], 0xBB
      """
    When the platform boots to "DXE"
    And DXE sends MMI "AlphaMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0xAA as a u8 at offset 24
    And during the last SMI the handler of MMI "BetaMmi" ran 0 times
    When DXE sends MMI "BetaMmi" on the user channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    And the user comm buffer holds 0xBB as a u8 at offset 24
    And during the last SMI the handler of MMI "AlphaMmi" ran 0 times
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And the supervisor version is 0x00170027 with patch level 0x00010001

  @req:SEED-003-009
  Scenario: A software SMI carries no GUID, so only root handlers run
    Given the MM driver "Guided" handles MMI "GuidedMmi" with:
      """
      - return: EFI_SUCCESS
      """
    And the MM driver "Root" handles every MMI with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And software SMI 0x10 is raised
    Then during the last SMI the handler of MMI "GuidedMmi" ran 0 times
    And during the last SMI the root MMI handlers ran 1 time
