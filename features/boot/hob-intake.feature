Feature: The supervisor takes its inputs from the HOB list
  The MM core reads everything it needs from the HOB list it is started with (supervisor-facts §1.4). A HOB list
  that lacks MMRAM ranges or describes the comm buffers wrongly makes the core's entry point fail; the IPL then
  installs no communication PPI and no MM driver ever runs. These scenarios change HOB bytes before the IPL runs
  ("PEI publishes …") or just before the core's entry point reads them ("the HOB list the MM core receives …").

  Background:
    Given the platform "q35"

  @req:SUPV-001
  Scenario: Without an MMRAM-range HOB the core entry point fails with EFI_UNSUPPORTED
    Given the HOB list the MM core receives has no MMRAM-range HOB
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_UNSUPPORTED
    And the MM IPL installs no MM communication PPI
    And the MM driver "MmSupervisorRing3Broker" never starts

  @req:SUPV-002
  Scenario: An MMRAM-range HOB reporting zero regions makes the core entry point fail with EFI_NOT_FOUND
    Given PEI also publishes a gEfiMmPeiMmramMemoryReserveGuid HOB that reports zero regions
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_NOT_FOUND
    And the MM IPL installs no MM communication PPI

  @req:SUPV-003
  Scenario Outline: A supervisor comm-region HOB of type <type> makes core init fail
    Given the HOB list the MM core receives has a supervisor comm-region HOB of type <type>
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_UNSUPPORTED
    And the MM IPL installs no MM communication PPI

    Examples:
      | type |
      | 1    |
      | 2    |

  @req:SUPV-004
  Scenario: Without a user comm-buffer HOB core init fails
    Given the HOB list the MM core receives has no user comm-buffer HOB
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_NOT_FOUND
    And the MM IPL installs no MM communication PPI

  @req:SUPV-004
  Scenario Outline: A user comm-buffer HOB with zero <field> makes core init fail
    Given PEI publishes the user comm-buffer HOB with zero <field>
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_INVALID_PARAMETER
    And the MM IPL installs no MM communication PPI
    And the MM driver "MmSupervisorRing3Broker" never starts

    Examples:
      | field   |
      | address |
      | pages   |

  @req:SUPV-005
  Scenario Outline: Core init is abandoned when the <what> lies inside MMRAM
    Given PEI places the <what> inside MMRAM
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SECURITY_VIOLATION
    And the MM IPL installs no MM communication PPI

    Examples:
      | what              |
      | user comm buffer  |
      | user mailbox      |
      | supervisor mailbox |

  @req:SUPV-006
  Scenario: Overlapping resource HOBs outside MMRAM cold-reset the machine during core init
    Given PEI publishes a system memory resource HOB of 0x100000 bytes at 0x10000000
    When the platform boots to "end of PEI"
    Then the system is cold reset
    And the MM IPL installs no MM communication PPI

  @req:SUPV-006
  Scenario: Overlapping MMRAM ranges cold-reset the machine during core init
    Given PEI reports an extra MMRAM range of 0x100000 bytes at 0x3F900000
    When the platform boots to "end of PEI"
    Then the system is cold reset

  @req:SUPV-006
  Scenario: An MMRAM range outside every described range cold-resets the machine during core init
    Given PEI reports an extra MMRAM range of 0x100000 bytes at 0x50000000
    When the platform boots to "end of PEI"
    Then the system is cold reset

  @req:SUPV-006
  Scenario: A consistent memory map does not reset the machine
    Given PEI publishes an MMIO resource HOB of 0x100000 bytes at 0x50000000
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SUCCESS
    And the system keeps running

  @req:SEED-001-021
  Scenario: The MM core entry point is called with the start of the HOB list
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SUCCESS
    And the MM core entry point receives the start of the HOB list
    And the MMRAM copy of the HOB list is "user read-only no-execute" in the MM page table

  @req:SEED-000-014 @req:SEED-002-007
  Scenario Outline: What the supervisor maps outside MMRAM is what the HOB list describes
    Given PEI publishes an MMIO resource HOB of 0x10000 bytes at 0x50000000
    When the platform boots
    Then the page at <address> is "<mapping>" in the MM page table

    Examples:
      | address    | mapping                     |
      | 0x50000000 | user read-write no-execute  |
      | 0x5000F000 | user read-write no-execute  |
      | 0x50010000 | not present                 |

  @req:SEED-000-014 @req:SEED-002-007 @req:SEED-001-019
  Scenario: An unblock HOB present when the IPL runs is honoured; one added in DXE is not
    Given PEI asks to unblock 0x1000 bytes at 0x10000000
    When the platform boots to "DXE"
    And DXE adds an unblock HOB for 0x1000 bytes at 0x10002000
    And the platform continues to "runtime"
    Then the page at 0x10000000 is "user read-write no-execute" in the MM page table
    And the page at 0x10002000 is "not present" in the MM page table

  @req:SEED-001-018
  Scenario: The IPL does not build the MM foundation when MMRAM is too small for it
    Given PEI reports MMRAM as a single range of 0x1000 bytes
    When the platform boots to "end of PEI"
    Then the MM IPL installs no MM communication PPI
    And the MM driver "MmSupervisorRing3Broker" never starts
