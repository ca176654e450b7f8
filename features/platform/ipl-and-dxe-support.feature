Feature: The non-MM firmware around the supervisor
  MmIplPei checks the supervisor's version before it installs the PEI communication PPIs and asks the supervisor
  once to dispatch its drivers; at EndOfPei it raises the EndOfPei MMI on the user channel. In DXE, MmDxeSupport
  re-checks the version, moves the comm buffers, forwards ready-to-lock once and ExitBootServices
  (supervisor-facts §1.3, §1.7, §10.7). PEIMs and DXE drivers reach MM handlers through the communication PPI and
  protocol. The MMIs listed here are the ones the firmware really wrote into the comm buffers.

  Background:
    Given the platform "q35"

  @req:SUPV-015
  Scenario: The communication PPIs come only after a VERSION_INFO reply with a non-zero Version
    When the platform boots to "end of PEI"
    Then the MM IPL installs both MM communication PPIs
    And the MM IPL installs the communication PPIs only after a VERSION_INFO reply with a non-zero Version

  @req:SUPV-015
  Scenario: A supervisor that reports Version 0 gets no communication PPIs and dispatches no driver
    Given the platform "q35-version-zero"
    When the platform boots to "end of PEI"
    Then the MM core entry point returns EFI_SUCCESS
    And the MM IPL installs no MM communication PPI
    And the supervisor channel carried these MMIs in order:
      | request VERSION_INFO |
    And the MM driver "MmSupervisorRing3Broker" never starts

  @req:SUPV-016
  Scenario: In PEI the supervisor channel carries VERSION_INFO and then exactly one driver-dispatch MMI
    When the platform boots to "end of PEI"
    Then the supervisor channel carried these MMIs in order:
      | request VERSION_INFO            |
      | gMmSupervisorDriverDispatchGuid |
    And the MM drivers start in this order:
      | MmSupervisorRing3Broker |
      | MmSupervisorErrorReport |

  @req:SUPV-016 @req:SUPV-018 @req:SUPV-019
  Scenario: The supervisor channel over a whole boot
    When the platform boots
    Then the supervisor channel carried these MMIs in order:
      | request VERSION_INFO              |
      | gMmSupervisorDriverDispatchGuid   |
      | request VERSION_INFO              |
      | request COMM_UPDATE               |
      | request VERSION_INFO              |
      | gEfiDxeMmReadyToLockProtocolGuid  |
      | gEfiEventExitBootServicesGuid     |

  @req:SUPV-017
  Scenario: EndOfPei raises the EndOfPei MMI on the user channel, which the broker's handler takes
    When the platform boots to "end of PEI"
    Then the user channel carried these MMIs in order:
      | gEfiMmEndOfPeiProtocol |
    And the handler of MMI "gEfiMmEndOfPeiProtocol" ran 1 time

  @req:SUPV-017
  Scenario: The EndOfPei MMI is raised when EndOfPei is signalled, on the user channel only
    When the platform boots to "PEI"
    Then the user channel carried the MMI "gEfiMmEndOfPeiProtocol" 0 times
    When the platform continues to "DXE"
    Then the user channel carried the MMI "gEfiMmEndOfPeiProtocol" 1 time
    And the supervisor channel carried the MMI "gEfiMmEndOfPeiProtocol" 0 times

  @req:SUPV-018
  Scenario: Ready-to-lock signalled twice reaches the supervisor channel once
    When the platform boots to "ready to lock"
    And DXE signals ready to lock again
    And the platform continues to "runtime"
    Then the supervisor channel carried the MMI "gEfiDxeMmReadyToLockProtocolGuid" 1 time
    And the system keeps running

  @req:SUPV-019
  Scenario: ExitBootServices is forwarded on the supervisor channel when it fires, and not before
    When the platform boots to "ready to boot"
    Then the supervisor channel carried the MMI "gEfiEventExitBootServicesGuid" 0 times
    When the platform continues to "exit boot services"
    Then the supervisor channel carried the MMI "gEfiEventExitBootServicesGuid" 1 time

  @req:SEED-001-016
  Scenario: Without the post-memory comm-buffer PEIM the IPL does not run
    Given the platform "q35-no-comm-buffer-peim"
    When the platform boots to "end of PEI"
    Then the MM IPL installs no MM communication PPI
    And MMRAM is closed
    And the MM driver "MmSupervisorRing3Broker" never starts

  @req:SEED-001-025
  Scenario: For the rest of PEI, a PEIM reaches an MM handler through the MM Communication PPI
    Given the MM driver "PeiService" handles MMI "PeiServiceMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "end of PEI"
    And a PEIM sends MMI "PeiServiceMmi" through the MM Communication PPI
    Then the MMI return status is EFI_SUCCESS
    And the handler of MMI "PeiServiceMmi" ran 1 time

  @req:SEED-001-026
  Scenario: In DXE, a DXE driver reaches an MM handler through the MM Communication protocol
    Given the MM driver "DxeService" handles MMI "DxeServiceMmi" with:
      """
      - return: EFI_SUCCESS
      """
    When the platform boots to "DXE"
    And a DXE driver sends MMI "DxeServiceMmi" through the MM Communication protocol
    Then the MMI return status is EFI_SUCCESS
    And the handler of MMI "DxeServiceMmi" ran 1 time
