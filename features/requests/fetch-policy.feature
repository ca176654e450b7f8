Feature: FETCH_POLICY — software outside MM reads the policy the supervisor enforces
  FETCH_POLICY (supervisor-facts §6.4) copies the firmware policy into the caller's space after the request header and
  fills the MEM root from the live page table (§4.10); a caller needs at least 48 + policy-size bytes of payload.
  The request is never denied: before ready-to-lock it performs the ready-to-lock actions itself (§11 item 11), so
  memory can no longer be unblocked afterwards.

  Background:
    Given the platform "q35"
    And the platform boots to "DXE"

  @req:SUPV-096 @req:SUPV-098 @req:SEED-004-018
  Scenario: The fetched policy is the firmware policy with VersionMajor 1 and an ALLOW MEM root without EXECUTE
    When DXE sends the supervisor request FETCH_POLICY with 4096 bytes after the request header
    Then the request result is EFI_SUCCESS
    And the fetched policy has VersionMajor 1
    And the fetched policy has a MEM root marked ALLOW whose descriptors never include EXECUTE
    And the fetched policy carries the IO, MSR, INSTRUCTION and SAVE_STATE roots of the firmware policy
    And the supervisor mailbox reports ReturnBufferSize 48 plus the fetched policy Size

  # 360 = 24 + 0x150 passes the size check; the MEM descriptors generated from the page table then do not fit (§6.4 step 4).
  @req:SUPV-097
  Scenario Outline: FETCH_POLICY with <space> bytes after the request header (the policy is 0x150 bytes) returns <result>
    Then the firmware policy in the MM firmware volume is 0x150 bytes
    When DXE sends the supervisor request FETCH_POLICY with <space> bytes after the request header
    Then the communicate call returns EFI_SUCCESS
    And the request result is <result>

    Examples:
      | space | result               |
      | 0     | EFI_BUFFER_TOO_SMALL |
      | 24    | EFI_BUFFER_TOO_SMALL |
      | 336   | EFI_BUFFER_TOO_SMALL |
      | 359   | EFI_BUFFER_TOO_SMALL |
      | 360   | EFI_OUT_OF_RESOURCES |
      | 4096  | EFI_SUCCESS          |

  @req:SUPV-095
  Scenario: FETCH_POLICY before ready-to-lock locks the supervisor: a later UNBLOCK_MEM is denied
    When DXE sends the supervisor request UNBLOCK_MEM for 1 page at 0x10000000
    Then the request result is EFI_SUCCESS
    When DXE sends the supervisor request FETCH_POLICY with 4096 bytes after the request header
    Then the request result is EFI_SUCCESS
    When DXE asks to unblock 0x1000 bytes at 0x10100000
    Then the DXE unblock protocol decided through the supervisor
    And the request result is EFI_ACCESS_DENIED
    And the page at 0x10100000 is "not present" in the MM page table

  @req:SUPV-095
  Scenario: Without FETCH_POLICY the same UNBLOCK_MEM before ready-to-lock succeeds
    When DXE asks to unblock 0x1000 bytes at 0x10100000
    Then the request result is EFI_SUCCESS
    And the page at 0x10100000 is "user read-write no-execute" in the MM page table

  @req:SUPV-095 @req:SUPV-034
  Scenario: FETCH_POLICY before ready-to-lock also removes the driver-dispatch handler
    When DXE sends the supervisor request FETCH_POLICY with 4096 bytes after the request header
    And DXE sends MMI "gMmSupervisorDriverDispatchGuid" on the supervisor channel with data "0000000000000000"
    Then the MMI return status is EFI_NOT_FOUND

  @req:SUPV-096
  Scenario: FETCH_POLICY after ready-to-lock is still answered (never denied)
    When the platform continues to "ready to lock"
    And DXE sends the supervisor request FETCH_POLICY with 4096 bytes after the request header
    Then the request result is EFI_SUCCESS
    And the fetched policy has VersionMajor 1
