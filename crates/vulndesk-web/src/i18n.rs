//! Translations: Fluent files under `locales/<tag>/main.ftl`, compiled into the binary. Every key
//! exists in every language; [`missing_translations`] lists gaps and a test keeps it empty.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use vulndesk_core::Locale;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Isolation marks would show up inside HTML attributes and form values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

fn langid(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::ZhCn => &ZH_CN,
        Locale::En => &EN,
    }
}

/// A translator for one language, handed to every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    /// The language.
    pub locale: Locale,
}

impl Tr {
    /// The translator for `locale`.
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The text for `key`; a missing key shows as the key itself, which tests catch.
    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(langid(self.locale), key).unwrap_or_else(|| key.to_owned())
    }

    /// The text for `key` with named arguments (names known at compile time or read from a
    /// stored record alike).
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> =
            args.iter().map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone()))).collect();
        LOCALES.try_lookup_with_args(langid(self.locale), key, &map).unwrap_or_else(|| key.to_owned())
    }

    /// The text for `key` with one named argument (handy in templates).
    pub fn t1(&self, key: &str, name: &'static str, value: String) -> String {
        self.t_args(key, &[(name, value)])
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.locale.tag()
    }
}

/// Keys present in one language's file but not the other's, as `(missing_in, key)`.
pub fn missing_translations() -> Vec<(&'static str, String)> {
    let keys = |src: &str| -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t', '.', '*', '[']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(|k| k.trim().to_owned()))
            .collect()
    };
    let en = keys(include_str!("../locales/en/main.ftl"));
    let zh = keys(include_str!("../locales/zh-CN/main.ftl"));
    let mut out = Vec::new();
    out.extend(en.iter().filter(|k| !zh.contains(k)).map(|k| ("zh-CN", k.clone())));
    out.extend(zh.iter().filter(|k| !en.contains(k)).map(|k| ("en", k.clone())));
    out
}
