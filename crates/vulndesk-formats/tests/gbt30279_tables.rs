//! GB/T 30279 grading: the shipped default table (complete, monotone over every combination of
//! indicators, marked as not official, real TOML), worked examples, every kind of table error,
//! and the CVSS-score grades.

use vulndesk_formats::gbt30279::{
    self, AccessPath, CnGrade, Environment, ExploitCost, Exploitability, FixDifficulty, GradingTables, Impact,
    ImpactLevel, Indicators, PrivilegesRequired, Reach, TableProblem, TriggerRequirement, UserInteraction,
};

fn builtin() -> &'static GradingTables {
    GradingTables::builtin()
}

#[test]
fn the_default_table_parses_and_says_it_is_not_official() {
    let tables = GradingTables::from_toml(GradingTables::builtin_source()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(&tables, builtin());
    let meta = tables.meta();
    assert!(!meta.official);
    assert_eq!(meta.version, "vulndesk-default-1");
    assert!(meta.notice.contains("NOT the standard's annex values"));
    assert!(GradingTables::builtin_source().contains("vulndesk default, NOT the standard's annex values"));
    let scales = tables.scales();
    assert_eq!((scales.exploitability, scales.impact, scales.environment), (4, 4, 3));
    assert_eq!(Exploitability::all().count(), 48);
    assert_eq!(Impact::all().count(), 27);
    assert_eq!(Environment::all().count(), 36);
}

#[test]
fn the_default_table_is_real_toml_and_exports_round_trip() {
    let parsed: toml::Table = toml::from_str(GradingTables::builtin_source()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(parsed["format"].as_str(), Some(gbt30279::FORMAT));
    for (table, rows) in
        [("exploitability", 48), ("impact", 27), ("environment", 36), ("technical", 16), ("comprehensive", 12)]
    {
        assert_eq!(parsed[table]["rows"].as_array().map(Vec::len), Some(rows), "{table}");
    }
    let exported = builtin().to_toml();
    let reparsed: toml::Table = toml::from_str(&exported).unwrap_or_else(|err| panic!("{err}\n{exported}"));
    assert_eq!(reparsed["exploitability"], parsed["exploitability"], "the export writes the same rows");
    assert_eq!(GradingTables::from_toml(&exported).as_ref(), Ok(builtin()));
}

/// Every way to make one indicator one step more severe.
fn exploitability_steps(e: Exploitability) -> Vec<Exploitability> {
    let mut out = Vec::new();
    if let Some(&access_path) = AccessPath::ALL.get(e.access_path.rank() + 1) {
        out.push(Exploitability { access_path, ..e });
    }
    if let Some(&trigger) = TriggerRequirement::ALL.get(e.trigger.rank() + 1) {
        out.push(Exploitability { trigger, ..e });
    }
    if let Some(&privileges) = PrivilegesRequired::ALL.get(e.privileges.rank() + 1) {
        out.push(Exploitability { privileges, ..e });
    }
    if let Some(&interaction) = UserInteraction::ALL.get(e.interaction.rank() + 1) {
        out.push(Exploitability { interaction, ..e });
    }
    out
}

fn impact_steps(i: Impact) -> Vec<Impact> {
    let up = |level: ImpactLevel| ImpactLevel::ALL.get(level.rank() + 1).copied();
    let mut out = Vec::new();
    if let Some(confidentiality) = up(i.confidentiality) {
        out.push(Impact { confidentiality, ..i });
    }
    if let Some(integrity) = up(i.integrity) {
        out.push(Impact { integrity, ..i });
    }
    if let Some(availability) = up(i.availability) {
        out.push(Impact { availability, ..i });
    }
    out
}

fn environment_steps(v: Environment) -> Vec<Environment> {
    let mut out = Vec::new();
    if let Some(&cost) = ExploitCost::ALL.get(v.cost.rank() + 1) {
        out.push(Environment { cost, ..v });
    }
    if let Some(&fix_difficulty) = FixDifficulty::ALL.get(v.fix_difficulty.rank() + 1) {
        out.push(Environment { fix_difficulty, ..v });
    }
    if let Some(&reach) = Reach::ALL.get(v.reach.rank() + 1) {
        out.push(Environment { reach, ..v });
    }
    out
}

#[test]
fn the_default_grades_are_monotone_over_every_combination() {
    let tables = builtin();
    assert_eq!(tables.monotonicity_problems(), []);
    // Independently of the tables' own check: over all 48 x 27 x 36 indicator combinations,
    // one step up in any single indicator never lowers the technical or comprehensive grade.
    // Single steps suffice: every more severe combination is reached by a chain of them.
    let grade = |e: &Exploitability, i: &Impact, v: &Environment| {
        let technical = gbt30279::technical_grade(e, i, tables);
        (technical, gbt30279::comprehensive_grade(technical, v, tables).unwrap_or(CnGrade::None))
    };
    let mut checked = 0;
    for e in Exploitability::all() {
        for i in Impact::all() {
            for v in Environment::all() {
                let (technical, comprehensive) = grade(&e, &i, &v);
                assert_ne!(technical, CnGrade::None);
                assert_ne!(comprehensive, CnGrade::None);
                for e2 in exploitability_steps(e) {
                    let (t2, c2) = grade(&e2, &i, &v);
                    assert!(t2 >= technical && c2 >= comprehensive, "{e:?} -> {e2:?} with {i:?} {v:?}");
                }
                for i2 in impact_steps(i) {
                    let (t2, c2) = grade(&e, &i2, &v);
                    assert!(t2 >= technical && c2 >= comprehensive, "{i:?} -> {i2:?} with {e:?} {v:?}");
                }
                for v2 in environment_steps(v) {
                    let (t2, c2) = grade(&e, &i, &v2);
                    assert!(t2 == technical && c2 >= comprehensive, "{v:?} -> {v2:?} with {e:?} {i:?}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 48 * 27 * 36);
    // Every grade occurs.
    for wanted in gbt30279::GRADES {
        assert!(
            Exploitability::all().any(|e| Impact::all().any(|i| gbt30279::technical_grade(&e, &i, tables) == wanted))
        );
    }
}

fn indicators(
    (access_path, trigger, privileges, interaction): (&str, &str, &str, &str),
    (c, i, a): (&str, &str, &str),
    (cost, fix, reach): (&str, &str, &str),
) -> Indicators {
    let level = |name: &str| ImpactLevel::from_name(name).expect("an impact level");
    Indicators {
        exploitability: Exploitability {
            access_path: AccessPath::from_name(access_path).expect("an access path"),
            trigger: TriggerRequirement::from_name(trigger).expect("a trigger requirement"),
            privileges: PrivilegesRequired::from_name(privileges).expect("privileges"),
            interaction: UserInteraction::from_name(interaction).expect("an interaction"),
        },
        impact: Impact { confidentiality: level(c), integrity: level(i), availability: level(a) },
        environment: Environment {
            cost: ExploitCost::from_name(cost).expect("a cost"),
            fix_difficulty: FixDifficulty::from_name(fix).expect("a fix difficulty"),
            reach: Reach::from_name(reach).expect("a reach"),
        },
    }
}

#[test]
fn worked_examples_with_the_default_table() {
    let tables = builtin();
    // A Log4Shell-like remote code execution: the most exploitable, severe on all three,
    // cheap to exploit, in wide use.
    let rce = indicators(("network", "low", "none", "none"), ("severe", "severe", "severe"), ("low", "medium", "high"));
    let assessment = gbt30279::assess(&rce, tables);
    assert_eq!((assessment.exploitability_level, assessment.impact_level, assessment.environment_level), (4, 4, 3));
    assert_eq!((assessment.technical, assessment.comprehensive), (CnGrade::Critical, CnGrade::Critical));
    assert_eq!(assessment.table_version, "vulndesk-default-1");
    assert!(!assessment.official_tables);

    // The same written in Chinese.
    let zh = indicators(("网络", "低", "无", "不需要"), ("严重", "严重", "严重"), ("低", "中", "高"));
    assert_eq!(zh, rce);

    // A local information leak needing a user's account: moderate confidentiality only.
    let leak = indicators(("local", "low", "low", "none"), ("moderate", "none", "none"), ("medium", "low", "medium"));
    let assessment = gbt30279::assess(&leak, tables);
    assert_eq!((assessment.exploitability_level, assessment.impact_level, assessment.environment_level), (3, 2, 2));
    assert_eq!((assessment.technical, assessment.comprehensive), (CnGrade::Medium, CnGrade::Medium));

    // Physical access and an administrator's privileges, one severe impact, rarely deployed
    // and easy to fix: the environment lowers the grade.
    let physical =
        indicators(("physical", "high", "high", "required"), ("none", "severe", "none"), ("high", "low", "low"));
    let assessment = gbt30279::assess(&physical, tables);
    assert_eq!((assessment.technical, assessment.comprehensive), (CnGrade::Medium, CnGrade::Low));

    // No impact at all is low, however exploitable.
    let none = indicators(("network", "low", "none", "none"), ("none", "none", "none"), ("low", "high", "high"));
    assert_eq!(gbt30279::technical_grade(&none.exploitability, &none.impact, tables), CnGrade::Low);
    assert_eq!(gbt30279::comprehensive_grade(CnGrade::Low, &none.environment, tables), Some(CnGrade::Medium));
    assert_eq!(gbt30279::comprehensive_grade(CnGrade::None, &none.environment, tables), None);
    assert_eq!(tables.technical(5, 1), None);
    assert_eq!(tables.technical(0, 1), None);
    assert_eq!(tables.technical(4, 4), Some(CnGrade::Critical));
    assert_eq!(tables.comprehensive(CnGrade::High, 4), None);
}

#[test]
fn indicator_names_in_both_languages() {
    assert_eq!(AccessPath::Network.zh(), "网络");
    assert_eq!(AccessPath::from_name("NETWORK"), Some(AccessPath::Network));
    assert_eq!(AccessPath::from_name("remote"), None);
    assert_eq!(UserInteraction::None.zh(), "不需要");
    assert_eq!(ImpactLevel::Moderate.zh(), "一般");
    assert_eq!(FixDifficulty::High.en(), "high");
    assert!(AccessPath::Network > AccessPath::Physical, "values order from the least severe");
    assert!(ExploitCost::Low > ExploitCost::High, "a low cost to exploit is the more severe");
    assert_eq!(CnGrade::Critical.zh(), "超危");
}

#[test]
fn cvss_scores_map_to_the_chinese_grades() {
    // 超危 9.0–10.0, 高危 7.0–8.9, 中危 4.0–6.9, 低危 0.1–3.9 (CnGrade, shared with the CVSS module).
    let cases = [(10.0, CnGrade::Critical), (9.0, CnGrade::Critical), (8.9, CnGrade::High), (7.0, CnGrade::High)];
    let more = [
        (6.9, CnGrade::Medium),
        (4.0, CnGrade::Medium),
        (3.9, CnGrade::Low),
        (0.1, CnGrade::Low),
        (0.0, CnGrade::None),
    ];
    for (score, grade) in cases.into_iter().chain(more) {
        assert_eq!(CnGrade::from_score(score), grade, "{score}");
    }
}

/// The default table with one replacement made in its text.
fn edited(from: &str, to: &str) -> String {
    let source = GradingTables::builtin_source();
    assert!(source.contains(from), "the default table holds {from:?}");
    source.replacen(from, to, 1)
}

/// The problems found in a table file.
fn problems(source: &str) -> Vec<TableProblem> {
    match GradingTables::from_toml(source) {
        Ok(_) => panic!("the table should be refused"),
        Err(err) => {
            assert!(!err.problems.is_empty());
            assert!(err.to_string().starts_with("the grading tables have"));
            err.problems
        }
    }
}

/// The line of the default table holding `text`.
fn line_of(text: &str) -> usize {
    let source = GradingTables::builtin_source();
    source[..source.find(text).expect("text in the default table")].matches('\n').count() + 1
}

#[test]
fn a_missing_cell_is_reported_with_its_row() {
    let row = r#"["network", "low", "none", "none", 4],"#;
    let found = problems(&edited(row, r#"["network", "low", "none", 4],"#));
    let line = line_of(row);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        matches!(&found[0], TableProblem::RowShape { table: "exploitability", line: l, expected: 5, found: 4, .. } if *l == line)
    );
    assert!(
        matches!(&found[1], TableProblem::Missing { table: "exploitability", combination } if combination == "access path network, trigger requirement low, privileges none, user interaction none"),
        "{found:?}"
    );
}

#[test]
fn an_unknown_value_is_reported_with_what_is_allowed() {
    let found =
        problems(&edited(r#"["network", "low", "none", "none", 4],"#, r#"["remote", "low", "none", "none", 4],"#));
    assert!(
        matches!(&found[0], TableProblem::UnknownValue { table: "exploitability", column: "access path", found, expected, .. }
        if found == "\"remote\"" && expected.contains("network/网络")),
        "{found:?}"
    );
    let found = problems(&edited(r#"[4, 4, "critical"]"#, r#"[4, 4, "none"]"#));
    assert!(
        matches!(&found[0], TableProblem::UnknownValue { table: "technical", column: "technical grade", .. }),
        "{found:?}"
    );
    let found = problems(&edited(r#"["severe", "severe", "severe", 4],"#, r#"["severe", "severe", "severe", "4"],"#));
    assert!(
        matches!(&found[0], TableProblem::UnknownValue { table: "impact", column: "impact level", expected, .. } if expected == "an integer 1..=4")
    );
}

#[test]
fn a_level_outside_its_scale_is_reported() {
    let found = problems(&edited(r#"["severe", "severe", "severe", 4],"#, r#"["severe", "severe", "severe", 5],"#));
    assert!(
        matches!(&found[0], TableProblem::LevelOutOfScale { table: "impact", found: 5, scale: 4, .. }),
        "{found:?}"
    );
    let found = problems(&edited("environment = 3", "environment = 1"));
    assert_eq!(found, [TableProblem::Scale { scale: "environment", found: 1 }]);
}

#[test]
fn a_duplicate_row_is_reported_with_both_lines() {
    let row = r#"["network", "low", "none", "none", 4],"#;
    let source = edited(r#"["network", "low", "none", "required", 4],"#, r#"["network", "low", "none", "none", 3],"#);
    let found = problems(&source);
    let first = line_of(row);
    assert!(
        matches!(&found[0], TableProblem::Duplicate { table: "exploitability", line, first_line, .. } if *first_line == first && *line == first + 1),
        "{found:?}"
    );
    assert!(
        matches!(&found[1], TableProblem::Missing { table: "exploitability", combination } if combination.ends_with("user interaction required"))
    );
}

#[test]
fn chinese_names_are_accepted_in_a_table() {
    let source = edited(r#"["network", "low", "none", "none", 4],"#, r#"["网络", "低", "无", "不需要", 4],"#);
    let source = source.replacen(r#"[4, 4, "critical"]"#, r#"[4, 4, "超危"]"#, 1);
    assert_eq!(GradingTables::from_toml(&source).as_ref(), Ok(builtin()));
}

#[test]
fn structural_problems_are_reported() {
    let found = problems(&edited("format = \"vulndesk-gbt30279-tables/1\"", "format = \"other/2\""));
    assert!(matches!(&found[0], TableProblem::Format { found, .. } if found == "other/2"));
    let found = problems(&edited("official = false", "official = \"no\""));
    assert!(
        matches!(&found[0], TableProblem::Key { message } if message.contains("[meta] official") && message.contains("true or false"))
    );
    let found = problems(&edited("official = false", "official = false\nextra = 1"));
    assert!(matches!(&found[0], TableProblem::Key { message } if message.contains("unknown key [meta] extra")));
    let found = problems(&edited("[comprehensive]\nrows", "[comprehensive]\ncolumns = 3\nrowz"));
    assert!(
        found
            .iter()
            .any(|p| matches!(p, TableProblem::Key { message } if message == "[comprehensive] rows is missing")),
        "{found:?}"
    );
    let found = problems(&edited("official = false", "official = false\nofficial = true"));
    assert!(matches!(&found[0], TableProblem::Key { message } if message.contains("given twice")));
    let found = problems(&edited("\n[scales]\n", "\n[scales\n"));
    assert!(matches!(&found[0], TableProblem::Syntax { message, .. } if message.contains("expected ']'")), "{found:?}");
    let found = problems(&edited("name = \"vulndesk default\"", "name = vulndesk"));
    assert!(matches!(&found[0], TableProblem::Syntax { line, .. } if *line == line_of("name = \"vulndesk default\"")));
    assert!(matches!(&problems("")[0], TableProblem::Key { message } if message == "format is missing"));
}

#[test]
fn a_non_monotone_table_loads_but_is_reported() {
    let source = edited(r#"[4, 4, "critical"]"#, r#"[4, 4, "low"]"#);
    let tables = GradingTables::from_toml(&source).unwrap_or_else(|err| panic!("{err}"));
    let found = tables.monotonicity_problems();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(
        |p| matches!(p, TableProblem::NotMonotone { table: "technical", higher_result, .. } if higher_result == "low")
    ));
    assert_eq!(
        found[0].to_string(),
        "[technical]: exploitability level 4, impact level 4 gives low, lower than high for the less severe exploitability level 3, impact level 4"
    );
}
