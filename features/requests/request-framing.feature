Feature: MSUP request framing and the request handler's validation order
  The supervisor's request handler (supervisor-facts §6.2) is a supervisor MMI handler: it is reached only on the
  supervisor channel. It checks, in order: the payload holds a whole 24-byte request header; signature 'MSUP' and
  revision 1 (else Result EFI_INVALID_PARAMETER, transport SUCCESS); then pre-sets Result to EFI_ABORTED; a payload
  too short for the request's structure is refused (Result stays EFI_ABORTED, the caller sees EFI_NOT_FOUND); an
  unknown request gets Result EFI_UNSUPPORTED. Every comm buffer here is built byte by byte and sent through the
  platform's communicate worker.

  Background:
    Given the platform "q35"
    And the platform boots to "DXE"

  @req:SUPV-082 @req:SEED-003-017
  Scenario: The request GUID sent on the user channel reaches no handler
    When DXE sends the supervisor request VERSION_INFO on the user channel
    Then the MMI return status is EFI_NOT_FOUND
    And the user mailbox holds ReturnStatus EFI_NOT_FOUND and ReturnBufferSize 64
    And during the last SMI the supervisor request handler ran 0 times
    And the user comm buffer holds 0 as a u64 at offset 40
    And the user comm buffer holds 0 as a u32 at offset 48

  @req:SUPV-082
  Scenario: The same request on the supervisor channel is answered
    When DXE sends the supervisor request VERSION_INFO
    Then the MMI return status is EFI_SUCCESS
    And during the last SMI the supervisor request handler ran 1 time
    And the supervisor comm buffer holds 0x00170027 as a u32 at offset 48

  @req:SUPV-083 @req:SEED-003-012 @req:SEED-003-013
  Scenario Outline: A request header with signature <signature> and revision <revision> gets Result EFI_INVALID_PARAMETER over a successful transport
    When DXE sends on the supervisor channel an MSUP request with signature <signature>, revision <revision>, request code 3 and 16 payload bytes
    Then the communicate call returns EFI_SUCCESS
    And the supervisor mailbox holds ReturnStatus EFI_SUCCESS and ReturnBufferSize 64
    And the request result is EFI_INVALID_PARAMETER
    And the supervisor comm buffer holds 0 as a u32 at offset 48

    Examples: wrong signature, right revision
      | signature  | revision |
      | 0x50555345 | 1        |
      | 0x4D535550 | 1        |
      | 0x00000000 | 1        |
      | 0x5055534E | 1        |
      | 0x5043534D | 1        |
    Examples: right signature, wrong revision
      | signature  | revision   |
      | 0x5055534D | 0          |
      | 0x5055534D | 2          |
      | 0x5055534D | 0x01000000 |
      | 0x5055534D | 0xFFFFFFFF |

  @req:SEED-003-011 @req:SEED-003-012 @req:SEED-003-013 @req:SEED-003-014
  Scenario: The header with signature 'MSUP' (0x5055534D) and revision 1 is accepted
    When DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code 3 and 16 payload bytes
    Then the request result is EFI_SUCCESS
    And the supervisor comm buffer holds 0x00170027 as a u32 at offset 48

  @req:SUPV-084
  Scenario Outline: Unknown request code <code> gets Result EFI_UNSUPPORTED
    When DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code <code> and 256 payload bytes
    Then the communicate call returns EFI_SUCCESS
    And the request result is EFI_UNSUPPORTED

    Examples:
      | code       |
      | 0          |
      | 5          |
      | 6          |
      | 0x100      |
      | 0x10003    |
      | 0xFFFFFFFF |

  @req:SUPV-085
  Scenario Outline: A <name> payload <short> bytes short of its <size>-byte structure leaves Result EFI_ABORTED and the caller sees EFI_NOT_FOUND
    When DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code <code> and <bytes> payload bytes
    Then the communicate call returns EFI_NOT_FOUND
    And the supervisor mailbox holds ReturnStatus EFI_NOT_FOUND and ReturnBufferSize <returned>
    And the request result is EFI_ABORTED

    Examples:
      | name         | code | size | short | bytes | returned |
      | VERSION_INFO | 3    | 16   | 16    | 0     | 48       |
      | VERSION_INFO | 3    | 16   | 1     | 15    | 63       |
      | UNBLOCK_MEM  | 1    | 56   | 1     | 55    | 103      |
      | UNBLOCK_MEM  | 1    | 56   | 56    | 0     | 48       |
      | COMM_UPDATE  | 4    | 224  | 1     | 223   | 271      |
      | COMM_UPDATE  | 4    | 224  | 112   | 112   | 160      |

  @req:SUPV-085 @req:SEED-003-016
  Scenario: The seed's header-only VERSION_INFO message carries no room for the reply and is refused
    When DXE sends on the supervisor channel an MSUP request with signature 0x5055534D, revision 1, request code 3 and 0 payload bytes
    Then the MMI return status is EFI_NOT_FOUND
    And the request result is EFI_ABORTED

  @req:SUPV-085
  Scenario Outline: A payload of <n> bytes, shorter than the request header, is refused before the header is read
    When DXE sends on the supervisor channel only the first <n> bytes of an MSUP request with request code 3
    Then the communicate call returns EFI_NOT_FOUND
    And the supervisor mailbox holds ReturnStatus EFI_NOT_FOUND and ReturnBufferSize <returned>
    And during the last SMI the supervisor request handler ran 1 time
    And the supervisor comm buffer holds the bytes "4D 53 55 50" at offset 24

    Examples:
      | n  | returned |
      | 4  | 28       |
      | 16 | 40       |
      | 23 | 47       |

  @req:SUPV-105
  Scenario: A request with MessageLength 0 reaches no handler at all
    When DXE sends on the supervisor channel only the first 0 bytes of an MSUP request with request code 3
    Then the communicate call returns EFI_NOT_FOUND
    And during the last SMI the supervisor request handler ran 0 times
