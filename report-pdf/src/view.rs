//! What the template reads: the report's figures turned into French text (numbers
//! grouped by thin spaces, « 30 % », « — » for what cannot be computed) and the charts
//! drawn as SVG, each a virtual file.
//!
//! Every text goes to the template as a JSON string, which Typst shows as text and never
//! evaluates: a recommendation that reads `#panic()` or `]` prints those characters.
//! There is no Typst code generated from data anywhere in this crate.

use ccs_core::report::quarterly::{date_fr, Figures, LabelCount, QuarterlyReport, RecommendationLine, Slice};
use ccs_core::report::Basis;
use serde::Serialize;

use crate::charts::{self, BarChart, HorizontalBars, LineChart, Reference, Series, Unit};

/// The JSON the template reads from `/data.json`.
#[derive(Debug, Serialize)]
pub struct View {
    pub quarter: String,
    pub quarter_code: String,
    pub period: String,
    pub scope: String,
    pub basis: String,
    pub basis_note: String,
    pub generated_on: String,
    pub indicators: Vec<IndicatorView>,
    pub charts: Vec<ChartView>,
    pub region_header: Vec<String>,
    pub region_rows: Vec<Vec<String>>,
    pub month_header: Vec<String>,
    pub month_rows: Vec<Vec<String>>,
    pub recommendations: Vec<RecommendationView>,
    pub recommendations_note: String,
}

#[derive(Debug, Serialize)]
pub struct IndicatorView {
    pub number: u8,
    pub title: String,
    pub explanation: String,
    pub figures: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct ChartView {
    /// The virtual file holding the SVG.
    pub file: String,
    pub title: String,
    pub caption: String,
    #[serde(skip)]
    pub svg: String,
}

#[derive(Debug, Serialize)]
pub struct RecommendationView {
    pub made_on: String,
    pub committee: String,
    pub text: String,
    pub addressee: String,
    pub domain: String,
    pub status: String,
    pub delay: String,
}

fn count(n: u64) -> String {
    charts::format_value(n as f64, Unit::Count)
}

fn share(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map_or_else(|| "—".into(), |v| charts::format_value(v, Unit::Share))
}

fn days(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map_or_else(|| "—".into(), |v| charts::format_value(v, Unit::Days))
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// « 2 797 (540 F, 818 J) », as partners report workshop participants.
fn participants(f: &Figures) -> String {
    format!("{} ({} F, {} J)", count(f.workshop_participants), count(f.workshop_women), count(f.workshop_youth))
}

fn indicators(f: &Figures) -> Vec<IndicatorView> {
    let fig = |label: &str, value: String| (label.to_string(), value);
    vec![
        IndicatorView {
            number: 1,
            title: "Comités installés et opérationnels".into(),
            explanation: "Un comité est opérationnel s’il a tenu au moins une séance dans les 90 jours qui précèdent la fin du trimestre.".into(),
            figures: vec![
                fig("Comités installés", count(f.committees_installed)),
                fig("Comités opérationnels", count(f.committees_operational)),
                fig("Part des comités opérationnels", share(ratio(f.committees_operational, f.committees_installed))),
            ],
        },
        IndicatorView {
            number: 2,
            title: "Régularité des séances".into(),
            explanation: "Chaque comité tient une réunion statutaire par mois : trois séances sont attendues par comité installé et par trimestre.".into(),
            figures: vec![
                fig("Séances tenues", count(f.sessions_held)),
                fig("Séances attendues", count(f.sessions_expected)),
                fig("Séances tenues ÷ attendues", share(ratio(f.sessions_held, f.sessions_expected))),
                fig("Comités ayant tenu au moins 3 séances", share(f.share_committees_three_sessions)),
            ],
        },
        IndicatorView {
            number: 3,
            title: "Participation aux séances".into(),
            explanation: "Présents rapportés aux invités ; une séance a le quorum quand plus de la moitié des invités est présente ; la présence des FDS est celle d’au moins un membre du collège FDS.".into(),
            figures: vec![
                fig("Taux de présence", share(f.attendance_rate)),
                fig("Séances ayant atteint le quorum", share(f.quorum_rate)),
                fig("Séances avec les FDS présentes", share(f.fds_present_rate)),
            ],
        },
        IndicatorView {
            number: 4,
            title: "Femmes et jeunes parmi les présents".into(),
            explanation: "La référence est de 30 %, celle de la loi n°2015-052 pour les nominations aux fonctions publiques.".into(),
            figures: vec![
                fig("Part des femmes", share(f.women_share)),
                fig("Part des jeunes", share(f.youth_share)),
            ],
        },
        IndicatorView {
            number: 5,
            title: "Recommandations".into(),
            explanation: "Recommandations formulées pendant le trimestre ; réalisées en 90 jours : marquées « réalisée » au plus 90 jours après avoir été formulées ; le délai médian va de la formulation à la réalisation.".into(),
            figures: vec![
                fig("Formulées", count(f.recommendations_made)),
                fig("Transmises", count(f.recommendations_transmitted)),
                fig("Réalisées en 90 jours", count(f.recommendations_realised_90_days)),
                fig("Délai médian de réalisation", days(f.recommendation_median_delay_days)),
            ],
        },
        IndicatorView {
            number: 6,
            title: "Évaluations sécuritaires et risques".into(),
            explanation: "Un risque est le produit de la probabilité et de l’impact (de 1 à 5 chacun) ; il est élevé ou très élevé selon les seuils retenus par le CRSS.".into(),
            figures: vec![
                fig("Évaluations conduites", count(f.assessments)),
                fig("Risques élevés", count(f.high_risks)),
                fig("Risques très élevés", count(f.very_high_risks)),
            ],
        },
        IndicatorView {
            number: 7,
            title: "Participants aux ateliers".into(),
            explanation: "Participants aux formations, dialogues et journées de confiance, dont femmes (F) et jeunes (J), comme les partenaires les rapportent.".into(),
            figures: vec![fig("Participants", participants(f))],
        },
        IndicatorView {
            number: 8,
            title: "Circulation des données".into(),
            explanation: "Délai entre la saisie d’une fiche et sa réception par le CRSS ; part des fiches validées par les facilitateurs et approuvées par le CRSS.".into(),
            figures: vec![
                fig("Délai médian de remontée", days(f.sync_median_delay_days)),
                fig("Fiches validées par un facilitateur", share(f.validated_share)),
                fig("Fiches approuvées par le CRSS", share(f.approved_share)),
            ],
        },
    ]
}

fn region_rows(regions: &[Slice], total: &Figures) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "Région",
        "Comités opérationnels / installés",
        "Séances tenues / attendues",
        "Présence",
        "Femmes",
        "Jeunes",
        "Évaluations",
        "Risques élevés et très élevés",
        "Recommandations (réalisées en 90 j)",
    ];
    let row = |label: &str, f: &Figures| {
        vec![
            label.to_string(),
            format!("{} / {}", count(f.committees_operational), count(f.committees_installed)),
            format!("{} / {}", count(f.sessions_held), count(f.sessions_expected)),
            share(f.attendance_rate),
            share(f.women_share),
            share(f.youth_share),
            count(f.assessments),
            count(f.high_risks + f.very_high_risks),
            format!("{} ({})", count(f.recommendations_made), count(f.recommendations_realised_90_days)),
        ]
    };
    let mut rows: Vec<Vec<String>> = regions.iter().map(|s| row(&s.label, &s.figures)).collect();
    rows.push(row("Ensemble", total));
    (header.iter().map(|s| s.to_string()).collect(), rows)
}

fn month_rows(months: &[Slice]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["Mois", "Séances tenues", "Présence", "Femmes", "Jeunes", "Évaluations", "Recommandations"];
    let rows = months
        .iter()
        .map(|s| {
            let f = &s.figures;
            vec![
                s.label.clone(),
                count(f.sessions_held),
                share(f.attendance_rate),
                share(f.women_share),
                share(f.youth_share),
                count(f.assessments),
                count(f.recommendations_made),
            ]
        })
        .collect();
    (header.iter().map(|s| s.to_string()).collect(), rows)
}

fn recommendation(line: &RecommendationLine) -> RecommendationView {
    let delay = if line.realised {
        format!("réalisée en {}", charts::format_value(line.delay_days as f64, Unit::Days))
    } else {
        format!("{} (en attente)", charts::format_value(line.delay_days as f64, Unit::Days))
    };
    RecommendationView {
        made_on: line.made_on.format("%d/%m/%Y").to_string(),
        committee: format!("{} ({})", line.committee, line.region),
        text: line.text.clone(),
        addressee: line.addressee.clone(),
        domain: line.domain.clone(),
        status: line.status.clone(),
        delay,
    }
}

fn chart_views(report: &QuarterlyReport) -> Vec<ChartView> {
    let regions: Vec<String> = report.regions.iter().map(|s| s.label.clone()).collect();
    let by_region = |f: fn(&Figures) -> Option<f64>| report.regions.iter().map(|s| f(&s.figures)).collect::<Vec<_>>();
    let months: Vec<String> = report.months.iter().map(|s| s.label.clone()).collect();
    let by_month = |f: fn(&Figures) -> Option<f64>| report.months.iter().map(|s| f(&s.figures)).collect::<Vec<_>>();
    let items = |counts: &[LabelCount]| -> Vec<(String, f64)> {
        counts.iter().map(|c| (c.label.clone(), c.count as f64)).collect()
    };
    vec![
        ChartView {
            file: "/charts/regions.svg".into(),
            title: "Séances par région".into(),
            caption: "Séances tenues et séances attendues (une par comité installé et par mois) pendant le trimestre.".into(),
            svg: charts::bar_chart(&BarChart {
                categories: regions.clone(),
                series: vec![
                    Series { name: "Séances tenues".into(), values: by_region(|f| Some(f.sessions_held as f64)) },
                    Series { name: "Séances attendues".into(), values: by_region(|f| Some(f.sessions_expected as f64)) },
                ],
                unit: Unit::Count,
                reference: None,
            }),
        },
        ChartView {
            file: "/charts/months.svg".into(),
            title: "Évolution mois par mois".into(),
            caption: "Séances tenues, évaluations conduites et recommandations formulées chaque mois du trimestre.".into(),
            svg: charts::line_chart(&LineChart {
                categories: months,
                series: vec![
                    Series { name: "Séances tenues".into(), values: by_month(|f| Some(f.sessions_held as f64)) },
                    Series { name: "Évaluations".into(), values: by_month(|f| Some(f.assessments as f64)) },
                    Series { name: "Recommandations".into(), values: by_month(|f| Some(f.recommendations_made as f64)) },
                ],
                unit: Unit::Count,
            }),
        },
        ChartView {
            file: "/charts/women-youth.svg".into(),
            title: "Femmes et jeunes parmi les présents".into(),
            caption: "Part des femmes et des jeunes parmi les présents aux séances, par région ; la ligne rouge marque la référence de 30 % (loi n°2015-052).".into(),
            svg: charts::bar_chart(&BarChart {
                categories: regions,
                series: vec![
                    Series { name: "Femmes".into(), values: by_region(|f| f.women_share) },
                    Series { name: "Jeunes".into(), values: by_region(|f| f.youth_share) },
                ],
                unit: Unit::Share,
                reference: Some(Reference { value: 0.3, label: "Référence : 30 %".into() }),
            }),
        },
        ChartView {
            file: "/charts/risks.svg".into(),
            title: "Menaces relevées par catégorie".into(),
            caption: "Nombre de menaces relevées dans les évaluations du trimestre, par catégorie.".into(),
            svg: charts::horizontal_bars(&HorizontalBars {
                items: items(&report.threat_mix),
                unit: Unit::Count,
                color: charts::PALETTE[5],
            }),
        },
        ChartView {
            file: "/charts/delays.svg".into(),
            title: "Délais des recommandations".into(),
            caption: "Recommandations suivies pendant le trimestre, selon le temps mis à les réaliser ou depuis lequel elles attendent.".into(),
            svg: charts::horizontal_bars(&HorizontalBars {
                items: items(&report.delays),
                unit: Unit::Count,
                color: charts::PALETTE[0],
            }),
        },
    ]
}

/// The view of a report.
pub fn view(report: &QuarterlyReport) -> View {
    let scope = &report.scope;
    let (region_header, region_rows) = region_rows(&report.regions, &report.total);
    let (month_header, month_rows) = month_rows(&report.months);
    let left_out = report.confidential_left_out;
    View {
        quarter: scope.quarter.label_fr(),
        quarter_code: scope.quarter.to_string(),
        period: format!("du {} au {}", date_fr(scope.quarter.first_day()), date_fr(scope.quarter.last_day())),
        scope: match &scope.region_name {
            Some(name) => format!("Région : {name}"),
            None => "Ensemble du pays (toutes les régions)".into(),
        },
        basis: if scope.basis == Basis::Approved {
            "Fiches approuvées par le CRSS uniquement".into()
        } else {
            "Toutes les fiches reçues, approuvées ou non".into()
        },
        basis_note: if scope.basis == Basis::Approved {
            "Les chiffres ne comptent que les fiches que le CRSS a approuvées : une fiche en attente d’examen ou renvoyée pour correction n’y figure pas.".into()
        } else {
            "Les chiffres comptent toutes les fiches reçues par le CRSS, y compris celles qui attendent encore un examen : ils peuvent changer après approbation.".into()
        },
        generated_on: date_fr(scope.generated_on),
        indicators: indicators(&report.total),
        charts: chart_views(report),
        region_header,
        region_rows,
        month_header,
        month_rows,
        recommendations: report.recommendations.iter().map(recommendation).collect(),
        recommendations_note: match left_out {
            0 => "Aucune recommandation confidentielle n’a été suivie pendant le trimestre.".into(),
            1 => "Une recommandation confidentielle suivie pendant le trimestre n’est pas listée ; elle est comptée dans les chiffres.".into(),
            n => format!("{} recommandations confidentielles suivies pendant le trimestre ne sont pas listées ; elles sont comptées dans les chiffres.", count(n)),
        },
    }
}
