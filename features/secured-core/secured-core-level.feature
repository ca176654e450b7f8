Feature: Secured-core level of the isolation policy the OS fetches
  To qualify as a Level 3 (30) Secured-core PC a platform's policy must block at least the MSR, IO and
  save-state accesses of Microsoft's minimum list; the level is measured on the policy FETCH_POLICY returns,
  with the MSR list chosen by the processor vendor (supervisor-facts §5, §6.4).

  Background:
    Given the platform "q35"

  @req:SEED-000-027 @req:SEED-002-020
  Scenario: The platform's policy blocks the minimum list and meets level 30 on AMD processors
    When the platform boots to "DXE"
    And DXE sends the supervisor request FETCH_POLICY
    Then the request result is EFI_SUCCESS
    And the fetched policy measures Secured-core level 30 on AMD processors

  @req:SEED-000-027 @req:SEED-002-020
  Scenario: The same policy lacks Intel's MSR blocks, so on Intel processors it stays at level 10
    When the platform boots to "DXE"
    And DXE sends the supervisor request FETCH_POLICY
    Then the fetched policy measures Secured-core level 10 on Intel processors

  @req:SEED-000-027 @req:SEED-002-020
  Scenario Outline: Leaving a required block out of the policy loses level 30 (<change>)
    Given <change>
    When the platform boots to "DXE"
    And DXE sends the supervisor request FETCH_POLICY
    Then the request result is EFI_SUCCESS
    And the fetched policy measures Secured-core level <level> on AMD processors

    Examples:
      | change                                                              | level |
      | the platform's isolation policy without its IO entry starting at 0xCF8        | 10 |
      | the platform's isolation policy without its IO entry starting at 0xCFC        | 10 |
      | the platform's isolation policy without its MSR entry starting at 0xC0000080  | 10 |
      | the platform's isolation policy without its MSR entry starting at 0x6A4       | 10 |
      | the platform's isolation policy without its MSR entry starting at 0xC0011010  | 20 |
      | the platform's isolation policy without its MSR entry starting at 0xC0000101  | 30 |
      | the platform's isolation policy without its SAVESTATE category                | 20 |
      | the platform's isolation policy without its IO category                       | 10 |
      | the platform's isolation policy with its IO category turned to Allow          | 10 |
