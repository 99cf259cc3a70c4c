//! The Article 7(2) report to the authority (the MIIT's network security threat and
//! vulnerability information sharing platform): its fields, the six the regulation makes
//! mandatory, the sub-library it is filed under, and the rule that a report can be marked
//! submitted only when nothing mandatory is empty.
//!
//! The content is prefilled from the case by the web crate and edited by people; this module
//! only decides what is missing. Time comes in from the caller; there is no IO here.

use crate::Timestamp;

crate::named_enum!(
    /// What kind of product a report is about, for the sharing platform's statistics (optional
    /// in the document; the national databases' usual product classes).
    ProductType {
        /// Routers, switches, wireless access points, modems.
        NetworkDevice = "network_device",
        /// Firewalls, VPN gateways, intrusion detection and prevention.
        SecurityDevice = "security_device",
        /// PLCs, DCS, SCADA, industrial gateways.
        IndustrialControl = "industrial_control",
        /// Cameras, smart-home and other connected devices.
        IotDevice = "iot_device",
        /// Operating systems and firmware platforms.
        OperatingSystem = "operating_system",
        /// Server and desktop applications, databases, middleware, web applications.
        Application = "application",
        /// Mobile applications.
        MobileApplication = "mobile_application",
        /// Vehicles and their connected systems.
        ConnectedVehicle = "connected_vehicle",
        /// Anything else.
        Other = "other",
    }
);

/// The sub-library of the sharing platform a report is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubLibrary {
    /// The general vulnerability library.
    General,
    /// Industrial control systems.
    IndustrialControl,
    /// Mobile applications.
    MobileApplication,
    /// Connected vehicles.
    ConnectedVehicle,
}

impl SubLibrary {
    /// Every sub-library, in the order forms list them.
    pub const ALL: [SubLibrary; 4] =
        [Self::General, Self::IndustrialControl, Self::MobileApplication, Self::ConnectedVehicle];

    /// The stable name (also in the JSON document and the translation keys).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::IndustrialControl => "industrial_control",
            Self::MobileApplication => "mobile_application",
            Self::ConnectedVehicle => "connected_vehicle",
        }
    }

    /// The sub-library with this stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// Whether a report is the first for its case or updates an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// The first report (the one the 48-hour deadline is about).
    Initial,
    /// A later report: a fix shipped, the scope changed; it names the report it updates.
    Update,
}

impl ReportKind {
    /// `initial` or `update`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Update => "update",
        }
    }

    /// The kind with this name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "initial" => Some(Self::Initial),
            "update" => Some(Self::Update),
            _ => None,
        }
    }
}

/// A field of the report that can be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Product name (mandatory, Art. 7(2)).
    ProductName,
    /// Model (mandatory).
    Model,
    /// Affected version(s) (mandatory).
    Versions,
    /// Technical characteristics of the vulnerability (mandatory).
    Characteristics,
    /// Harm (mandatory).
    Harm,
    /// Scope of impact (mandatory).
    ScopeOfImpact,
    /// The provider's contact for the authority.
    ProviderContact,
}

impl Field {
    /// The six fields Article 7(2) names.
    pub const MANDATORY: [Field; 6] =
        [Self::ProductName, Self::Model, Self::Versions, Self::Characteristics, Self::Harm, Self::ScopeOfImpact];

    /// The stable name: the JSON field and the suffix of the translation key (`authority-field-{name}`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProductName => "product_name",
            Self::Model => "model",
            Self::Versions => "versions",
            Self::Characteristics => "characteristics",
            Self::Harm => "harm",
            Self::ScopeOfImpact => "scope_of_impact",
            Self::ProviderContact => "provider_contact",
        }
    }
}

/// What the check needs of a report: its text fields as they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mandatory<'a> {
    /// Product name.
    pub product_name: &'a str,
    /// Model.
    pub model: &'a str,
    /// Affected versions.
    pub versions: &'a str,
    /// Technical characteristics.
    pub characteristics: &'a str,
    /// Harm.
    pub harm: &'a str,
    /// Scope of impact.
    pub scope_of_impact: &'a str,
    /// How the authority reaches the provider.
    pub provider_contact: &'a str,
}

/// The fields still empty (blank counts as empty), in the order of [`Field`]: the six of
/// Article 7(2), then the provider's contact. A report with any is not ready to submit.
pub fn missing(m: &Mandatory<'_>) -> Vec<Field> {
    [
        (Field::ProductName, m.product_name),
        (Field::Model, m.model),
        (Field::Versions, m.versions),
        (Field::Characteristics, m.characteristics),
        (Field::Harm, m.harm),
        (Field::ScopeOfImpact, m.scope_of_impact),
        (Field::ProviderContact, m.provider_contact),
    ]
    .into_iter()
    .filter(|(_, v)| v.trim().is_empty())
    .map(|(f, _)| f)
    .collect()
}

/// Whether a submission recorded at `submitted_at` met the deadline that runs from `aware_at`.
pub fn on_time(aware_at: Timestamp, submitted_at: Timestamp) -> bool {
    submitted_at <= aware_at.plus(crate::deadline::AUTHORITY_REPORT_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_empty_field_is_named_in_order() {
        let all = Mandatory {
            product_name: "AX3000",
            model: "AX3000-Pro",
            versions: "2.0.0–2.1.4",
            characteristics: "heap overflow",
            harm: "code execution",
            scope_of_impact: "home routers",
            provider_contact: "psirt@demo.example",
        };
        assert_eq!(missing(&all), Vec::<Field>::new());
        let gaps = Mandatory { model: " ", harm: "", ..all.clone() };
        assert_eq!(missing(&gaps), vec![Field::Model, Field::Harm]);
        let names: Vec<&str> = missing(&Mandatory::default()).iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            ["product_name", "model", "versions", "characteristics", "harm", "scope_of_impact", "provider_contact"]
        );
    }

    #[test]
    fn names_round_trip() {
        for l in SubLibrary::ALL {
            assert_eq!(SubLibrary::parse(l.as_str()), Some(l));
        }
        assert_eq!(SubLibrary::parse("vehicles"), None);
        assert_eq!(ReportKind::parse("update"), Some(ReportKind::Update));
    }

    #[test]
    fn on_time_is_within_48_hours_of_awareness() {
        let aware = Timestamp::from_micros(1_000_000_000_000);
        assert!(on_time(aware, aware.plus(std::time::Duration::from_secs(48 * 3600))));
        assert!(!on_time(aware, aware.plus(std::time::Duration::from_secs(48 * 3600 + 1))));
    }
}
