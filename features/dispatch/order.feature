Feature: Dispatch order
  Drivers whose dependencies are met in the same pass start in firmware-volume order; BEFORE and AFTER place a
  driver immediately around its target (supervisor-facts §2.3, §2.4).

  Background:
    Given the platform "q35"

  @req:SUPV-023
  Scenario: Drivers ready in the same pass start in FV order, not by name
    Given the firmware volume holds the MM drivers:
      | name  | depex |
      | Zulu  | TRUE  |
      | Alpha | TRUE  |
      | Mike  | TRUE  |
    When the platform boots
    Then the MM drivers start in this order:
      | Zulu  |
      | Alpha |
      | Mike  |
    And the MM driver "Alpha" starts right after the MM driver "Zulu"
    And the MM driver "Mike" starts right after the MM driver "Alpha"

  @req:SUPV-023
  Scenario: Drivers unblocked by the same protocol start in FV order in the next pass
    Given the firmware volume holds the MM drivers:
      | name     | depex      | installs   |
      | Second   | gHubReady  |            |
      | Third    | gHubReady  |            |
      | Hub      | TRUE       | gHubReady  |
      | Fourth   | gHubReady  |            |
    When the platform boots
    Then the MM drivers start in this order:
      | Hub    |
      | Second |
      | Third  |
      | Fourth |

  @req:SUPV-027
  Scenario: BEFORE X starts right before X and AFTER X right after X
    Given the firmware volume holds the MM drivers:
      | name       | depex         |
      | Early      | BEFORE Target |
      | Other      | TRUE          |
      | Target     | TRUE          |
      | Late       | AFTER Target  |
      | Last       | TRUE          |
    When the platform boots
    Then the MM driver "Early" starts right before the MM driver "Target"
    And the MM driver "Late" starts right after the MM driver "Target"
    And the MM drivers start in this order:
      | Other  |
      | Early  |
      | Target |
      | Late   |
      | Last   |

  @req:SUPV-027
  Scenario: AFTER a driver that waits for a protocol follows it into the later pass
    Given the firmware volume holds the MM drivers:
      | name      | depex         | installs |
      | Follower  | AFTER Waiter  |          |
      | Waiter    | gLate         |          |
      | Installer | TRUE          | gLate    |
      | Bystander | gLate         |          |
    When the platform boots
    Then the MM driver "Follower" starts right after the MM driver "Waiter"
    And the MM drivers start in this order:
      | Installer |
      | Waiter    |
      | Follower  |
      | Bystander |

  @req:SUPV-027
  Scenario: A BEFORE or AFTER driver whose target never starts never starts either
    Given the firmware volume holds the MM drivers:
      | name     | depex            |
      | Ghost    | gNeverInstalled  |
      | Before   | BEFORE Ghost     |
      | After    | AFTER Ghost      |
      | Ordinary | TRUE             |
    When the platform boots
    Then the MM driver "Ghost" never starts
    And the MM driver "Before" never starts
    And the MM driver "After" never starts
    And the MM driver "Ordinary" starts at CPL 3
