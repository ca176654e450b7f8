Feature: MM communicate framing — comm headers, sizes and the IPL's checks, byte by byte
  The communicate worker of the IPL (supervisor-facts §8.2) refuses, without an SMI, a message larger than the
  channel's fixed buffer (EFI_BAD_BUFFER_SIZE, CommSize set to the buffer size) and a call while the channel
  mailbox is still marked valid (EFI_INVALID_PARAMETER). The core (§8.3) accepts the V3 header only on the user
  channel, where it dispatches by MessageGuid with BufferSize as the total; it answers EFI_BAD_BUFFER_SIZE with size
  0 when the header's total does not fit the buffer. The probe handler below copies *CommBufferSize (R9) into the
  first 8 bytes of the buffer it is handed (R8), so the returned bytes show the size the handler was given.

  Background:
    Given the platform "q35"
    And the MM driver "Probe" handles MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with:
      """
      - asm: |
          mov rax, [r9]
          mov [r8], rax
          xor eax, eax
      """
    And the platform boots to "DXE"

  @req:SUPV-102
  Scenario: A user-channel V3 header is dispatched by its MessageGuid with BufferSize as the total size
    When DXE sends on the user channel the comm buffer:
      """
      53 C8 E8 68 A9 2B D7 4D 9A C0 91 E1 61 55 C9 35   # HeaderGuid 68E8C853-2BA9-4DD7-9AC0-91E16155C935 (V3)
      40 00 00 00 00 00 00 00                           # BufferSize 0x40: header 56 + 8 data bytes
      00 00 00 00 00 00 00 00                           # Reserved
      1A 9C 3E 5D 7F 0B 2E 4C 8A 61 3F 0D 2B 9C 4E 71   # MessageGuid 5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71
      99 00 00 00 00 00 00 00                           # MessageSize 0x99 (not what the core uses)
      00 00 00 00 00 00 00 00                           # data
      """
    Then the MMI return status is EFI_SUCCESS
    And during the last SMI the handler of MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" ran 1 time
    And the user comm buffer holds 8 as a u64 at offset 56
    And the user mailbox holds ReturnStatus EFI_SUCCESS and ReturnBufferSize 0x40

  @req:SUPV-102
  Scenario Outline: A user-channel V3 header with BufferSize <size> gives the handler <given> bytes (<status>)
    When DXE sends on the user channel the comm buffer:
      """
      53 C8 E8 68 A9 2B D7 4D 9A C0 91 E1 61 55 C9 35   # HeaderGuid (V3)
      <size bytes>                                      # BufferSize
      00 00 00 00 00 00 00 00                           # Reserved
      1A 9C 3E 5D 7F 0B 2E 4C 8A 61 3F 0D 2B 9C 4E 71   # MessageGuid
      08 00 00 00 00 00 00 00                           # MessageSize
      00 00 00 00 00 00 00 00                           # data
      """
    Then the user mailbox holds ReturnStatus <status> and ReturnBufferSize <returned>
    And during the last SMI the handler of MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" ran <runs> time

    Examples:
      | size    | size bytes              | given   | status             | returned | runs |
      | 0x100   | 00 01 00 00 00 00 00 00 | 0xC8    | EFI_SUCCESS        | 0x100    | 1    |
      | 0x10000 | 00 00 01 00 00 00 00 00 | 0xFFC8  | EFI_SUCCESS        | 0x10000  | 1    |
      | 0x38    | 38 00 00 00 00 00 00 00 | 0       | EFI_NOT_FOUND      | 0x38     | 0    |
      | 0x37    | 37 00 00 00 00 00 00 00 | none    | EFI_BAD_BUFFER_SIZE | 0       | 0    |
      | 0x10001 | 01 00 01 00 00 00 00 00 | none    | EFI_BAD_BUFFER_SIZE | 0       | 0    |

  @req:SUPV-103
  Scenario: A V3 header on the supervisor channel is refused with EFI_UNSUPPORTED and size 0
    When DXE sends on the supervisor channel the comm buffer:
      """
      53 C8 E8 68 A9 2B D7 4D 9A C0 91 E1 61 55 C9 35   # HeaderGuid (V3)
      40 00 00 00 00 00 00 00                           # BufferSize (the IPL rewrites it as MessageLength)
      00 00 00 00 00 00 00 00                           # Reserved
      23 3B 63 8C 60 12 A6 4E 83 0F 7D DC 97 38 21 11   # MessageGuid: the request handler
      08 00 00 00 00 00 00 00                           # MessageSize
      00 00 00 00 00 00 00 00                           # data
      """
    Then the communicate call returns EFI_UNSUPPORTED
    And the supervisor mailbox holds ReturnStatus EFI_UNSUPPORTED and ReturnBufferSize 0
    And during the last SMI the supervisor request handler ran 0 times

  @req:SUPV-104
  Scenario Outline: A user-channel header with MessageLength <length> (24 + length vs the 0x10000-byte buffer) → <status>
    When DXE sends on the user channel a comm header for MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with MessageLength <length> and 8 data bytes
    Then the communicate call returns <status>
    And the user mailbox holds ReturnStatus <status> and ReturnBufferSize <returned>
    And during the last SMI the handler of MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" ran <runs> time

    Examples:
      | length             | status              | returned | runs |
      | 8                  | EFI_SUCCESS         | 32       | 1    |
      | 0xFFE8             | EFI_SUCCESS         | 0x10000  | 1    |
      | 0xFFE9             | EFI_BAD_BUFFER_SIZE | 0        | 0    |
      | 0x100000           | EFI_BAD_BUFFER_SIZE | 0        | 0    |
      | 0xFFFFFFFFFFFFFFF0 | EFI_BAD_BUFFER_SIZE | 0        | 0    |

  @req:SUPV-104
  Scenario: The handler is given MessageLength bytes, not what the caller copied
    When DXE sends on the user channel a comm header for MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with MessageLength 0x200 and 8 data bytes
    Then the communicate call returns EFI_SUCCESS
    And the user comm buffer holds 0x200 as a u64 at offset 24

  @req:SUPV-105
  Scenario: A user-channel MMI with MessageLength 0 dispatches no handler
    When DXE sends on the user channel a comm header for MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with MessageLength 0 and 0 data bytes
    Then the communicate call returns EFI_NOT_FOUND
    And during the last SMI the handler of MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" ran 0 times
    When DXE sends on the user channel a comm header for MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with MessageLength 1 and 1 data byte
    Then the communicate call returns EFI_SUCCESS
    And during the last SMI the handler of MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" ran 1 time

  @req:SUPV-112
  Scenario Outline: The IPL refuses CommSize <size> on the <channel> channel without an SMI and reports the buffer size
    When DXE sends on the <channel> channel the comm buffer with CommSize <size>:
      """
      1A 9C 3E 5D 7F 0B 2E 4C 8A 61 3F 0D 2B 9C 4E 71   # HeaderGuid: the probe
      08 00 00 00 00 00 00 00                           # MessageLength
      00 00 00 00 00 00 00 00
      """
    Then the communicate call returns EFI_BAD_BUFFER_SIZE
    And the returned CommSize is 0x10000
    And no SMI was triggered

    Examples:
      | channel    | size     |
      | supervisor | 0x10001  |
      | supervisor | 0x20000  |
      | user       | 0x10001  |
      | user       | 0x100000 |

  @req:SUPV-112
  Scenario: A CommSize of exactly the buffer's 0x10000 bytes is sent
    When DXE sends on the user channel the comm buffer with CommSize 0x10000:
      """
      1A 9C 3E 5D 7F 0B 2E 4C 8A 61 3F 0D 2B 9C 4E 71   # HeaderGuid: the probe
      08 00 00 00 00 00 00 00                           # MessageLength
      00 00 00 00 00 00 00 00
      """
    Then an SMI was triggered
    And the communicate call returns EFI_SUCCESS

  @req:SUPV-112
  Scenario: Without a CommSize the IPL sizes the message from MessageLength and refuses one that does not fit
    When DXE sends on the supervisor channel the comm buffer with no CommSize:
      """
      23 3B 63 8C 60 12 A6 4E 83 0F 7D DC 97 38 21 11   # HeaderGuid: the request handler
      E9 FF 00 00 00 00 00 00                           # MessageLength 0xFFE9: 24 + 0xFFE9 = 0x10001
      """
    Then the communicate call returns EFI_BAD_BUFFER_SIZE
    And no SMI was triggered

  @req:SUPV-113
  Scenario Outline: While the <channel> mailbox is still marked valid the IPL refuses without an SMI
    When DXE marks the <channel> mailbox valid
    And DXE sends on the <channel> channel a comm header for MMI "5D3E9C1A-0B7F-4C2E-8A61-3F0D2B9C4E71" with MessageLength 8 and 8 data bytes
    Then the communicate call returns EFI_INVALID_PARAMETER
    And no SMI was triggered
    And the <channel> mailbox is still marked valid

    Examples:
      | channel    |
      | user       |
      | supervisor |
