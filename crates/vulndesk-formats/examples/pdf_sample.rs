//! Writes a sample bilingual (Chinese and English) acknowledgement letter with
//! `vulndesk_formats::pdf` to the path given as the only argument, for a person to open:
//! `cargo run -p vulndesk-formats --example pdf_sample -- letter.pdf`.

use std::path::PathBuf;
use std::process::ExitCode;

use vulndesk_formats::pdf::{Block, Document};

fn letter() -> Document {
    let mut doc = Document::new("致谢函 Acknowledgement letter", "zh-CN")
        .author("演示网络公司产品安全应急响应中心 Demo Networks PSIRT")
        .footer("演示网络公司 Demo Networks · psirt@demo-networks.example");
    doc.push(Block::Title("致谢函 Letter of acknowledgement".into()))
        .push(Block::Paragraph("尊敬的李明先生 / Dear Mr. Li Ming,".into()))
        .push(Block::Paragraph(
            "感谢您于 2026 年 3 月 2 日向演示网络公司报告路由器固件升级模块中的堆溢出漏洞。\
             经核实，该漏洞可导致远程代码执行，我们已在 4.2.1 版本中修复，并分配了编号 CVE-2026-12345。\
             您的负责任披露帮助我们保护了用户的安全。"
                .into(),
        ))
        .push(Block::Paragraph(
            "Thank you for reporting, on 2 March 2026, the heap overflow in the firmware update module \
             of our routers. We confirmed that it allows remote code execution, fixed it in version \
             4.2.1 and assigned CVE-2026-12345. Your coordinated disclosure helped keep our users safe."
                .into(),
        ))
        .push(Block::Heading("漏洞信息 Vulnerability details".into()))
        .push(Block::Fields(vec![
            ("漏洞编号 CVE ID".into(), "CVE-2026-12345".into()),
            ("严重程度 Severity".into(), "高危 High — CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H (9.8)".into()),
            ("受影响产品 Product".into(), "DN-R7000 家用路由器 home router".into()),
            ("修复版本 Fixed in".into(), "4.2.1 (2026-04-15)".into()),
            ("公告 Advisory".into(), "https://demo-networks.example/security/advisories/DN-SA-2026-0007".into()),
        ]))
        .push(Block::Heading("时间线 Timeline".into()))
        .push(Block::Table {
            header: vec!["日期 Date".into(), "事件 Event".into(), "负责方 Party".into()],
            rows: vec![
                vec!["2026-03-02".into(), "收到报告 Report received".into(), "研究人员 Researcher".into()],
                vec!["2026-03-04".into(), "确认漏洞 Vulnerability confirmed".into(), "PSIRT".into()],
                vec!["2026-04-15".into(), "发布修复版本 4.2.1 Fix released".into(), "研发 Engineering".into()],
                vec!["2026-04-22".into(), "公开披露 Public disclosure".into(), "PSIRT".into()],
            ],
        })
        .push(Block::Spacer)
        .push(Block::Paragraph("此致\n敬礼！\nWith our thanks and best regards,".into()))
        .push(Block::Spacer)
        .push(Block::Rule)
        .push(Block::Paragraph("演示网络公司产品安全应急响应中心\nDemo Networks PSIRT".into()));
    doc
}

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: pdf_sample <output.pdf>");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::write(&path, letter().render()) {
        eprintln!("{}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
