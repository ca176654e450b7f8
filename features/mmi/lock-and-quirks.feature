Feature: The supervisor's lifecycle MMIs and reply-size quirks on the channels
  The ready-to-lock MMI (60FF8964-…, supervisor channel) locks the supervisor and unregisters its own handler and
  the dispatch handler (supervisor-facts §1.8, §8.6); the ReadyToBoot GUID that the DXE support driver sends as a
  fallback has no supervisor handler at all (§11 item 10). On the user channel a handler may grow *CommBufferSize
  beyond the buffer: the reply is then not copied back, yet the oversized total is reported (§8.3 step 2e).

  Background:
    Given the platform "q35"

  @req:SUPV-088
  Scenario: A ready-to-lock MMI locks the supervisor once; its handler is gone afterwards and UNBLOCK_MEM is denied
    When the platform boots to "DXE"
    And DXE sends MMI "gEfiDxeMmReadyToLockProtocolGuid" on the supervisor channel with data "00"
    Then the MMI return status is EFI_SUCCESS
    When DXE sends MMI "gEfiDxeMmReadyToLockProtocolGuid" on the supervisor channel with data "00"
    Then the MMI return status is EFI_NOT_FOUND
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000
    Then the request result is EFI_ACCESS_DENIED
    And the page at 0x10000000 is "not present" in the MM page table

  @req:SUPV-106
  Scenario: The ReadyToBoot GUID on the supervisor channel reaches no handler and does not lock
    When the platform boots to "DXE"
    And DXE sends MMI "gEfiEventReadyToBootGuid" on the supervisor channel with data "00"
    Then the MMI return status is EFI_NOT_FOUND
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000
    Then the request result is EFI_SUCCESS
    And the page at 0x10000000 is "user read-write no-execute" in the MM page table

  @req:SUPV-106
  Scenario Outline: A handler that sets *CommBufferSize to <size> still reports SUCCESS; the reply is copied back: <copied>
    Given the MM driver "Grower" handles MMI "GrowMmi" with:
      """
      - asm: |
          mov byte [r8], 0x99
          mov qword [r9], <size>
          xor eax, eax
      """
    When the platform boots to "DXE"
    And DXE sends MMI "GrowMmi" on the user channel with data "00"
    Then the user mailbox holds ReturnStatus EFI_SUCCESS and ReturnBufferSize <total>
    And the user comm buffer holds <mark> as a u8 at offset 24

    Examples:
      | size    | total   | copied | mark |
      | 0x100   | 0x118   | yes    | 0x99 |
      | 0xFFE8  | 0x10000 | yes    | 0x99 |
      | 0xFFE9  | 0x10001 | no     | 0    |
      | 0x20000 | 0x20018 | no     | 0    |
