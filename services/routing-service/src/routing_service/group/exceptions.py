from kit_core import Conflict, NotFound


class GroupNotFound(NotFound):
    title = "Recipient group not found"
    code = "group-not-found"


class GroupNameTaken(Conflict):
    title = "Group name already in use"
    code = "group-name-taken"


class UnknownMember(Conflict):
    title = "Unknown member agency"
    code = "unknown-member"


class UnknownRuleNode(Conflict):
    title = "Unknown agency in the group rule"
    code = "unknown-rule-node"


class RuleDoesNotFit(Conflict):
    title = "Group rule does not fit its agency"
    code = "rule-does-not-fit"
