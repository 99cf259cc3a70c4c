//! The deadlines the regulation and the organisation set on a case, computed from the case's facts
//! and a policy, and their state at a given time. Pure: the job runner persists them and sends the
//! reminders; the deadlines board and the case timeline show them.
//!
//! - Authority report (R7): `aware_at + 48 h` on the calendar clock. An organisation may set a
//!   shorter internal target, never a longer one.
//! - Upstream notice (R6): `aware_at + 24 h` once the case is marked upstream ("immediately").
//! - Reporter acknowledgement: the program's SLA from the first receipt.
//! - Remediation: by grade, configurable.
//!
//! Reminders fall at 50 % and 75 % of each window; after the due time the deadline is overdue.

use std::time::Duration;

use crate::Timestamp;

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    /// The report to the national platform (Art. 7(2)).
    AuthorityReport,
    /// The notice to the upstream supplier (Art. 7(1)).
    UpstreamNotice,
    /// The acknowledgement to the reporter.
    ReporterAcknowledgement,
    /// The fix.
    Remediation,
}

impl DeadlineKind {
    /// The stable name used in storage, the API and translation keys.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthorityReport => "authority_report",
            Self::UpstreamNotice => "upstream_notice",
            Self::ReporterAcknowledgement => "reporter_acknowledgement",
            Self::Remediation => "remediation",
        }
    }
}

/// A severity grade, for remediation windows (超危 / 高危 / 中危 / 低危).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// 超危
    Critical,
    /// 高危
    High,
    /// 中危
    Medium,
    /// 低危
    Low,
}

/// The organisation's deadline settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    authority_report: Duration,
    upstream_notice: Duration,
    remediation: [Duration; 4],
}

/// The longest the authority report may take (R7: 2 days, read conservatively as 48 calendar hours).
pub const AUTHORITY_REPORT_LIMIT: Duration = Duration::from_secs(48 * 3600);

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The regulation's 48 hours is a ceiling; an internal target may only be shorter.
    #[error("the authority report target may not exceed 48 hours (asked for {0} h)")]
    AuthorityTooLong(u64),
    /// A window of zero length makes no sense.
    #[error("{0} must be longer than zero")]
    Zero(&'static str),
}

impl Default for DeadlinePolicy {
    /// 48 h authority report, 24 h upstream notice, remediation 7 / 30 / 90 / 180 days by grade.
    fn default() -> Self {
        let days = |d: u64| Duration::from_secs(d * 86_400);
        Self {
            authority_report: AUTHORITY_REPORT_LIMIT,
            upstream_notice: Duration::from_secs(24 * 3600),
            remediation: [days(7), days(30), days(90), days(180)],
        }
    }
}

impl DeadlinePolicy {
    /// A policy with the given windows (hours for notices, days for remediation by grade,
    /// critical first). The authority report target may not exceed 48 hours.
    pub fn new(authority_hours: u64, upstream_hours: u64, remediation_days: [u64; 4]) -> Result<Self, PolicyError> {
        if authority_hours > 48 {
            return Err(PolicyError::AuthorityTooLong(authority_hours));
        }
        if authority_hours == 0 {
            return Err(PolicyError::Zero("the authority report target"));
        }
        if upstream_hours == 0 {
            return Err(PolicyError::Zero("the upstream notice target"));
        }
        if remediation_days.contains(&0) {
            return Err(PolicyError::Zero("a remediation window"));
        }
        Ok(Self {
            authority_report: Duration::from_secs(authority_hours * 3600),
            upstream_notice: Duration::from_secs(upstream_hours * 3600),
            remediation: remediation_days.map(|d| Duration::from_secs(d * 86_400)),
        })
    }

    fn remediation_for(&self, g: Grade) -> Duration {
        self.remediation[g as usize]
    }
}

/// The facts deadlines depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineFacts {
    /// When the organisation discovered or learned of the flaw.
    pub aware_at: Timestamp,
    /// When the first report was received, and the program's acknowledgement SLA in hours.
    pub reporter: Option<(Timestamp, u32)>,
    /// Whether the root cause is upstream.
    pub upstream: bool,
    /// The assessed grade, once known.
    pub grade: Option<Grade>,
    /// When each duty was met, if it was.
    pub authority_reported_at: Option<Timestamp>,
    /// When the supplier notice was delivered.
    pub upstream_notified_at: Option<Timestamp>,
    /// When the reporter was acknowledged.
    pub reporter_acknowledged_at: Option<Timestamp>,
    /// When the fix or mitigation was recorded.
    pub fixed_at: Option<Timestamp>,
}

/// One deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// What is due.
    pub kind: DeadlineKind,
    /// When the window opened.
    pub start: Timestamp,
    /// When it is due.
    pub due: Timestamp,
    /// When it was met, if it was.
    pub met_at: Option<Timestamp>,
}

/// A reminder about a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeLevel {
    /// Half the window has passed.
    Half,
    /// Three quarters have passed.
    ThreeQuarters,
    /// The deadline has passed unmet.
    Overdue,
}

impl NoticeLevel {
    /// The stable name used in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Half => "50",
            Self::ThreeQuarters => "75",
            Self::Overdue => "overdue",
        }
    }
}

/// Where a deadline stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineState {
    /// Less than half the window has passed.
    Open,
    /// At least half has passed (the first reminder is due).
    Reminder50,
    /// At least three quarters have passed (the second reminder is due).
    Reminder75,
    /// The due time has passed and it is not met.
    Overdue,
    /// Met in time.
    Met,
    /// Met, but after the due time.
    MetLate,
}

impl DeadlineState {
    /// The name the API and the metrics use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Reminder50 => "reminder_50",
            Self::Reminder75 => "reminder_75",
            Self::Overdue => "overdue",
            Self::Met => "met",
            Self::MetLate => "met_late",
        }
    }
}

impl Deadline {
    /// The moments the reminders are due: at 50 % and 75 % of the window.
    pub fn reminders(&self) -> [Timestamp; 2] {
        let span = (self.due.as_micros() - self.start.as_micros()).max(0);
        [
            Timestamp::from_micros(self.start.as_micros() + span / 2),
            Timestamp::from_micros(self.start.as_micros() + span * 3 / 4),
        ]
    }

    /// The deadline's state at `now`.
    pub fn state(&self, now: Timestamp) -> DeadlineState {
        if let Some(met) = self.met_at {
            return if met <= self.due { DeadlineState::Met } else { DeadlineState::MetLate };
        }
        let [half, three_quarters] = self.reminders();
        if now > self.due {
            DeadlineState::Overdue
        } else if now >= three_quarters {
            DeadlineState::Reminder75
        } else if now >= half {
            DeadlineState::Reminder50
        } else {
            DeadlineState::Open
        }
    }

    /// The reminders due by `now` for a deadline not yet met: at 50 %, at 75 %, and once overdue.
    /// A sweep records each one once; calling this again later returns the earlier ones too.
    pub fn notices_due(&self, now: Timestamp) -> Vec<NoticeLevel> {
        if self.met_at.is_some() {
            return Vec::new();
        }
        let [half, three_quarters] = self.reminders();
        let mut out = Vec::new();
        if now >= half {
            out.push(NoticeLevel::Half);
        }
        if now >= three_quarters {
            out.push(NoticeLevel::ThreeQuarters);
        }
        if now > self.due {
            out.push(NoticeLevel::Overdue);
        }
        out
    }

    /// Microseconds left until due at `now` (negative when overdue).
    pub fn remaining_micros(&self, now: Timestamp) -> i64 {
        self.due.as_micros() - now.as_micros()
    }
}

/// Every deadline that applies to a case with these facts, under this policy.
pub fn deadlines(facts: &DeadlineFacts, policy: &DeadlinePolicy) -> Vec<Deadline> {
    let mut out = vec![Deadline {
        kind: DeadlineKind::AuthorityReport,
        start: facts.aware_at,
        due: facts.aware_at.plus(policy.authority_report),
        met_at: facts.authority_reported_at,
    }];
    if facts.upstream {
        out.push(Deadline {
            kind: DeadlineKind::UpstreamNotice,
            start: facts.aware_at,
            due: facts.aware_at.plus(policy.upstream_notice),
            met_at: facts.upstream_notified_at,
        });
    }
    if let Some((received, sla_hours)) = facts.reporter {
        out.push(Deadline {
            kind: DeadlineKind::ReporterAcknowledgement,
            start: received,
            due: received.plus(Duration::from_secs(u64::from(sla_hours) * 3600)),
            met_at: facts.reporter_acknowledged_at,
        });
    }
    if let Some(g) = facts.grade {
        out.push(Deadline {
            kind: DeadlineKind::Remediation,
            start: facts.aware_at,
            due: facts.aware_at.plus(policy.remediation_for(g)),
            met_at: facts.fixed_at,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000;

    fn at(hours: i64) -> Timestamp {
        Timestamp::from_micros(1_795_000_000_000_000 + hours * H)
    }

    fn facts() -> DeadlineFacts {
        DeadlineFacts {
            aware_at: at(0),
            reporter: Some((at(0), 72)),
            upstream: false,
            grade: None,
            authority_reported_at: None,
            upstream_notified_at: None,
            reporter_acknowledged_at: None,
            fixed_at: None,
        }
    }

    #[test]
    fn the_authority_report_is_due_48_hours_after_awareness_with_reminders_at_24_and_36() {
        let d = deadlines(&facts(), &DeadlinePolicy::default());
        let report = d.iter().find(|d| d.kind == DeadlineKind::AuthorityReport).expect("always due");
        assert_eq!(report.due, at(48));
        assert_eq!(report.reminders(), [at(24), at(36)]);
        let states: Vec<DeadlineState> = [0, 24, 36, 48, 49].iter().map(|h| report.state(at(*h))).collect();
        use DeadlineState::*;
        assert_eq!(states, [Open, Reminder50, Reminder75, Reminder75, Overdue]);
        assert_eq!(report.remaining_micros(at(47)), H);
    }

    #[test]
    fn which_deadlines_apply_follows_the_facts() {
        let kinds =
            |f: &DeadlineFacts| deadlines(f, &DeadlinePolicy::default()).iter().map(|d| d.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&facts()), [DeadlineKind::AuthorityReport, DeadlineKind::ReporterAcknowledgement]);
        let f = DeadlineFacts { upstream: true, grade: Some(Grade::High), reporter: None, ..facts() };
        assert_eq!(kinds(&f), [DeadlineKind::AuthorityReport, DeadlineKind::UpstreamNotice, DeadlineKind::Remediation]);
        let d = deadlines(&f, &DeadlinePolicy::default());
        assert_eq!(d[1].due, at(24));
        assert_eq!(d[2].due, at(30 * 24));
    }

    #[test]
    fn notices_come_at_half_three_quarters_and_overdue_and_stop_once_met() {
        let d = deadlines(&facts(), &DeadlinePolicy::default())[0];
        assert_eq!(d.notices_due(at(23)), []);
        assert_eq!(d.notices_due(at(24)), [NoticeLevel::Half]);
        assert_eq!(d.notices_due(at(40)), [NoticeLevel::Half, NoticeLevel::ThreeQuarters]);
        assert_eq!(d.notices_due(at(49)), [NoticeLevel::Half, NoticeLevel::ThreeQuarters, NoticeLevel::Overdue]);
        let met = Deadline { met_at: Some(at(30)), ..d };
        assert_eq!(met.notices_due(at(49)), []);
    }

    #[test]
    fn met_deadlines_say_whether_they_were_late() {
        let f = DeadlineFacts { authority_reported_at: Some(at(30)), ..facts() };
        assert_eq!(deadlines(&f, &DeadlinePolicy::default())[0].state(at(100)), DeadlineState::Met);
        let f = DeadlineFacts { authority_reported_at: Some(at(61)), ..facts() };
        assert_eq!(deadlines(&f, &DeadlinePolicy::default())[0].state(at(100)), DeadlineState::MetLate);
    }

    #[test]
    fn a_policy_may_tighten_the_authority_deadline_but_never_loosen_it() {
        let tight = DeadlinePolicy::new(24, 12, [3, 14, 60, 120]).expect("shorter is allowed");
        assert_eq!(deadlines(&facts(), &tight)[0].due, at(24));
        assert_eq!(DeadlinePolicy::new(72, 24, [7, 30, 90, 180]), Err(PolicyError::AuthorityTooLong(72)));
        assert!(matches!(DeadlinePolicy::new(48, 0, [7, 30, 90, 180]), Err(PolicyError::Zero(_))));
        assert!(matches!(DeadlinePolicy::new(48, 24, [7, 0, 90, 180]), Err(PolicyError::Zero(_))));
    }
}
