//! GB/T 30279-2020 (信息安全技术 网络安全漏洞分类分级指南) grading: the indicators of its
//! §6.2, and the technical and comprehensive grades of its §6.3 computed through grading tables
//! that are data, not code.
//!
//! The standard grades in two steps:
//!
//! * the *technical grade* (技术分级) combines the exploitability level (Annex A, from
//!   [`Exploitability`]) with the impact level (Annex B, from [`Impact`]) through Annex D;
//! * the *comprehensive grade* (综合分级) combines the technical grade with the environment
//!   level (Annex C, from [`Environment`]) through Annex E.
//!
//! Both grades are on the four levels 超危/高危/中危/低危, which are [`CnGrade`]'s `Critical`,
//! `High`, `Medium` and `Low` (the same type that grades CVSS scores, [`CnGrade::from_score`]:
//! 9.0–10.0, 7.0–8.9, 4.0–6.9 and 0.1–3.9, as most Chinese databases map them).
//!
//! The annexes' cell values were not available to vulndesk, so the five tables live in
//! [`GradingTables`], loaded from a TOML file. vulndesk ships a clearly marked default of its own
//! design (`data/gbt30279-default-v1.toml`, [`GradingTables::builtin`]); an administrator
//! replaces it with the official tables, which [`GradingTables::from_toml`] validates.
//!
//! Every indicator type orders its values from the least to the most severe (for example
//! [`AccessPath::Physical`] < [`AccessPath::Network`]); that order, not the standard's listing
//! order, is what [`Ord`] compares and what the monotonicity check uses.

use std::fmt;

mod error;
mod reader;
mod tables;

pub use crate::cvss::CnGrade;
pub use error::{TableError, TableProblem};
pub use tables::{FORMAT, GradingTables, Scales, TableMeta};

/// Defines an indicator: an enum whose variants are listed from the least to the most severe,
/// with English and Chinese names.
macro_rules! indicator {
    ($(#[$doc:meta])* $name:ident, $en:literal, $zh:literal, { $($(#[$vdoc:meta])* $variant:ident => ($ven:literal, $vzh:literal),)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, from the least to the most severe.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The English and Chinese names of every value, in the order of [`Self::ALL`].
            pub const NAMES: &'static [(&'static str, &'static str)] = &[$(($ven, $vzh),)+];

            /// The indicator's English name, as the table files write it.
            pub const INDICATOR_EN: &'static str = $en;

            /// The indicator's Chinese name, as the standard writes it.
            pub const INDICATOR_ZH: &'static str = $zh;

            /// The English name of the value.
            pub fn en(self) -> &'static str {
                Self::NAMES[self.rank()].0
            }

            /// The Chinese name of the value.
            pub fn zh(self) -> &'static str {
                Self::NAMES[self.rank()].1
            }

            /// The value's position in [`Self::ALL`]: 0 for the least severe.
            pub fn rank(self) -> usize {
                self as usize
            }

            /// The value with this English (any case) or Chinese name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::NAMES
                    .iter()
                    .position(|(en, zh)| en.eq_ignore_ascii_case(name) || *zh == name)
                    .map(|rank| Self::ALL[rank])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.en())
            }
        }
    };
}

indicator!(
    /// 访问路径: how the attacker reaches the vulnerable code.
    AccessPath, "access path", "访问路径", {
        /// 物理: physical access to the device.
        Physical => ("physical", "物理"),
        /// 本地: a local account or process.
        Local => ("local", "本地"),
        /// 邻接: the same physical or logical network segment.
        Adjacent => ("adjacent", "邻接"),
        /// 网络: over the network, from anywhere.
        Network => ("network", "网络"),
    }
);

indicator!(
    /// 触发要求: how hard the conditions for triggering the vulnerability are to meet.
    TriggerRequirement, "trigger requirement", "触发要求", {
        /// 高: special conditions outside the attacker's control.
        High => ("high", "高"),
        /// 低: no special conditions.
        Low => ("low", "低"),
    }
);

indicator!(
    /// 权限需求: the privileges the attacker needs beforehand.
    PrivilegesRequired, "privileges", "权限需求", {
        /// 高: administrative privileges.
        High => ("high", "高"),
        /// 低: an ordinary user's privileges.
        Low => ("low", "低"),
        /// 无: none.
        None => ("none", "无"),
    }
);

indicator!(
    /// 交互条件: whether a user other than the attacker must take part.
    UserInteraction, "user interaction", "交互条件", {
        /// 需要: required.
        Required => ("required", "需要"),
        /// 不需要: not required.
        None => ("none", "不需要"),
    }
);

indicator!(
    /// 影响程度: the impact on one of confidentiality, integrity or availability.
    ImpactLevel, "impact", "影响程度", {
        /// 无: none.
        None => ("none", "无"),
        /// 一般: moderate.
        Moderate => ("moderate", "一般"),
        /// 严重: severe.
        Severe => ("severe", "严重"),
    }
);

indicator!(
    /// 被利用成本: what exploiting the vulnerability costs the attacker.
    ExploitCost, "cost to exploit", "被利用成本", {
        /// 高: high.
        High => ("high", "高"),
        /// 中: medium.
        Medium => ("medium", "中"),
        /// 低: low.
        Low => ("low", "低"),
    }
);

indicator!(
    /// 修复难度: how hard the vulnerability is to fix.
    FixDifficulty, "fix difficulty", "修复难度", {
        /// 低: low.
        Low => ("low", "低"),
        /// 中: medium.
        Medium => ("medium", "中"),
        /// 高: high.
        High => ("high", "高"),
    }
);

indicator!(
    /// 影响范围: how widely the affected product is deployed or relied on.
    Reach, "reach", "影响范围", {
        /// 无: none.
        None => ("none", "无"),
        /// 低: low.
        Low => ("low", "低"),
        /// 中: medium.
        Medium => ("medium", "中"),
        /// 高: high.
        High => ("high", "高"),
    }
);

/// 被利用性: the exploitability indicators, graded by Annex A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exploitability {
    /// 访问路径.
    pub access_path: AccessPath,
    /// 触发要求.
    pub trigger: TriggerRequirement,
    /// 权限需求.
    pub privileges: PrivilegesRequired,
    /// 交互条件.
    pub interaction: UserInteraction,
}

impl Exploitability {
    /// Every combination (48), in the order of the ranks.
    pub fn all() -> impl Iterator<Item = Self> {
        AccessPath::ALL.iter().flat_map(|&access_path| {
            TriggerRequirement::ALL.iter().flat_map(move |&trigger| {
                PrivilegesRequired::ALL.iter().flat_map(move |&privileges| {
                    UserInteraction::ALL.iter().map(move |&interaction| Self {
                        access_path,
                        trigger,
                        privileges,
                        interaction,
                    })
                })
            })
        })
    }

    /// The ranks of the indicators and how many values each has, in the table's column order.
    pub(crate) fn key(&self) -> [(usize, usize); 4] {
        [
            (self.access_path.rank(), AccessPath::ALL.len()),
            (self.trigger.rank(), TriggerRequirement::ALL.len()),
            (self.privileges.rank(), PrivilegesRequired::ALL.len()),
            (self.interaction.rank(), UserInteraction::ALL.len()),
        ]
    }
}

/// 影响程度: the impact on confidentiality, integrity and availability, graded by Annex B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Impact {
    /// 保密性.
    pub confidentiality: ImpactLevel,
    /// 完整性.
    pub integrity: ImpactLevel,
    /// 可用性.
    pub availability: ImpactLevel,
}

impl Impact {
    /// Every combination (27), in the order of the ranks.
    pub fn all() -> impl Iterator<Item = Self> {
        ImpactLevel::ALL.iter().flat_map(|&confidentiality| {
            ImpactLevel::ALL.iter().flat_map(move |&integrity| {
                ImpactLevel::ALL.iter().map(move |&availability| Self { confidentiality, integrity, availability })
            })
        })
    }

    pub(crate) fn key(&self) -> [(usize, usize); 3] {
        let n = ImpactLevel::ALL.len();
        [(self.confidentiality.rank(), n), (self.integrity.rank(), n), (self.availability.rank(), n)]
    }
}

/// 环境因素: the environment indicators, graded by Annex C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Environment {
    /// 被利用成本.
    pub cost: ExploitCost,
    /// 修复难度.
    pub fix_difficulty: FixDifficulty,
    /// 影响范围.
    pub reach: Reach,
}

impl Environment {
    /// Every combination (36), in the order of the ranks.
    pub fn all() -> impl Iterator<Item = Self> {
        ExploitCost::ALL.iter().flat_map(|&cost| {
            FixDifficulty::ALL.iter().flat_map(move |&fix_difficulty| {
                Reach::ALL.iter().map(move |&reach| Self { cost, fix_difficulty, reach })
            })
        })
    }

    pub(crate) fn key(&self) -> [(usize, usize); 3] {
        [
            (self.cost.rank(), ExploitCost::ALL.len()),
            (self.fix_difficulty.rank(), FixDifficulty::ALL.len()),
            (self.reach.rank(), Reach::ALL.len()),
        ]
    }
}

/// The four grades GB/T 30279 uses, from the lowest: 低危, 中危, 高危, 超危.
pub const GRADES: [CnGrade; 4] = [CnGrade::Low, CnGrade::Medium, CnGrade::High, CnGrade::Critical];

/// The technical grade (技术分级): Annex D applied to the exploitability level (Annex A) and
/// the impact level (Annex B).
pub fn technical_grade(exploitability: &Exploitability, impact: &Impact, tables: &GradingTables) -> CnGrade {
    tables.technical_cell(tables.exploitability_level(exploitability), tables.impact_level(impact))
}

/// The comprehensive grade (综合分级): Annex E applied to the technical grade and the
/// environment level (Annex C).
///
/// `None` only when `technical` is [`CnGrade::None`], which is not a GB/T 30279 grade and which
/// [`technical_grade`] never returns.
pub fn comprehensive_grade(technical: CnGrade, environment: &Environment, tables: &GradingTables) -> Option<CnGrade> {
    tables.comprehensive(technical, tables.environment_level(environment))
}

/// Every indicator of one vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Indicators {
    /// 被利用性.
    pub exploitability: Exploitability,
    /// 影响程度.
    pub impact: Impact,
    /// 环境因素.
    pub environment: Environment,
}

/// A complete grading with its intermediate levels, so that a case can show how its grade
/// came about and which table version produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The table version used ([`TableMeta::version`]).
    pub table_version: String,
    /// Whether that table claims to hold the standard's official values.
    pub official_tables: bool,
    /// The exploitability level (Annex A).
    pub exploitability_level: u8,
    /// The impact level (Annex B).
    pub impact_level: u8,
    /// The environment level (Annex C).
    pub environment_level: u8,
    /// The technical grade (Annex D).
    pub technical: CnGrade,
    /// The comprehensive grade (Annex E).
    pub comprehensive: CnGrade,
}

/// Grades one vulnerability through every table.
pub fn assess(indicators: &Indicators, tables: &GradingTables) -> Assessment {
    let exploitability_level = tables.exploitability_level(&indicators.exploitability);
    let impact_level = tables.impact_level(&indicators.impact);
    let environment_level = tables.environment_level(&indicators.environment);
    let technical = tables.technical_cell(exploitability_level, impact_level);
    // The technical grade comes from the table, which holds only the four GB/T grades, so
    // Annex E always has a row for it.
    let comprehensive = tables.comprehensive(technical, environment_level).unwrap_or(technical);
    Assessment {
        table_version: tables.meta().version.clone(),
        official_tables: tables.meta().official,
        exploitability_level,
        impact_level,
        environment_level,
        technical,
        comprehensive,
    }
}
