from kit_core import Forbidden, NotFound


class AgencyNotFound(NotFound):
    title = "Unknown agency"
    code = "stats-agency-not-found"


class OtherAgencyStats(Forbidden):
    title = "Another agency's statistics"
    code = "stats-other-agency"
