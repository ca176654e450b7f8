Feature: VERSION_INFO — the supervisor reports facts about itself over MM communicate
  A DXE component sends an MSUP request (supervisor-facts §6.1: EFI_MM_COMMUNICATE_HEADER with the request handler
  GUID 8C633B23-…, a packed 24-byte MM_SUPERVISOR_REQUEST_HEADER, then the request structure) on the supervisor
  channel; the supervisor's request handler answers VERSION_INFO (§6.3) with a packed 16-byte structure right after
  the request header. The bytes below are the exchange of seed 003 built by hand.

  Background:
    Given the platform "q35"

  @req:SEED-003-010 @req:SEED-003-011 @req:SEED-003-012 @req:SEED-003-013 @req:SEED-003-014 @req:SEED-003-015 @req:SEED-003-016 @req:SEED-003-017 @req:SEED-003-018 @req:SUPV-086
  Scenario: A hand-built VERSION_INFO request is answered in place, right after the request header
    When the platform boots to "DXE"
    And DXE sends on the supervisor channel the comm buffer:
      """
      23 3B 63 8C 60 12 A6 4E 83 0F 7D DC 97 38 21 11   # HeaderGuid 8C633B23-1260-4EA6-830F-7DDC97382111
      28 00 00 00 00 00 00 00                           # MessageLength 40
      4D 53 55 50                                       # Signature 'M','S','U','P'
      01 00 00 00                                       # Revision 1
      03 00 00 00                                       # Request 0x0003 VERSION_INFO
      00 00 00 00                                       # Reserved
      FF FF FF FF FF FF FF FF                           # Result (pre-filled, the supervisor overwrites it)
      00 00 00 00  00 00 00 00  00 00 00 00 00 00 00 00 # Version u32, PatchLevel u32, MaxSupervisorRequestLevel u64
      """
    Then the communicate call returns EFI_SUCCESS
    And the request result is EFI_SUCCESS
    And the supervisor comm buffer holds EFI_SUCCESS as a u64 at offset 40
    And the supervisor comm buffer holds 0x00170027 as a u32 at offset 48
    And the supervisor comm buffer holds 0x00010001 as a u32 at offset 52
    And the supervisor comm buffer holds 4 as a u64 at offset 56
    And the supervisor mailbox holds ReturnStatus EFI_SUCCESS and ReturnBufferSize 64

  @req:SUPV-086 @req:SEED-003-015
  Scenario: VERSION_INFO through the platform's request call reports the release build and request level 4
    When the platform boots to "DXE"
    And DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And the supervisor version is 0x00170027 with patch level 0x00010001
    And the supervisor comm buffer holds 4 as a u64 at offset 56

  @req:SUPV-087
  Scenario Outline: VERSION_INFO keeps working at "<milestone>", after ready-to-lock
    When the platform boots to "<milestone>"
    And DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
    And the supervisor version is 0x00170027 with patch level 0x00010001

    Examples:
      | milestone     |
      | ready to lock |
      | ready to boot |

  @req:SUPV-087 @req:SUPV-088
  Scenario: After ready-to-lock VERSION_INFO is answered while UNBLOCK_MEM is refused
    When the platform boots to "ready to lock"
    And DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000
    Then the request result is EFI_ACCESS_DENIED
    When DXE sends the supervisor request VERSION_INFO
    Then the request result is EFI_SUCCESS
