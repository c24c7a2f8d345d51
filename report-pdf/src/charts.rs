//! The report's charts as SVG text: pure functions of the figures, no I/O, no fonts
//! measured. Typst embeds each SVG as an image (its text is laid out with the report's
//! own embedded fonts), so a chart looks the same on every machine.
//!
//! Three shapes cover the report: grouped vertical bars (by region, shares with the
//! 30 % reference line), lines by month (trends) and horizontal bars (risk mix,
//! recommendation delays). Labels are escaped as XML: a region or category label can
//! never inject markup into the picture.

use std::fmt::Write;

/// The font the charts ask for: one of the fonts compiled into the report.
const FONT: &str = "Libertinus Serif";
/// Colours told apart by people with the commonest colour blindness (Okabe–Ito).
pub const PALETTE: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];

/// How values read on the axis and above the bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Whole numbers (sessions, recommendations).
    Count,
    /// Shares between 0 and 1, shown as « 30 % ».
    Share,
    /// Days (delays).
    Days,
}

/// One series of values, one per category; `None` is "no data" (drawn as nothing, not 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A horizontal reference line, such as the 30 % of Loi n°2015-052.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub value: f64,
    pub label: String,
}

/// Grouped vertical bars: one group per category, one bar per series.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub unit: Unit,
    pub reference: Option<Reference>,
}

/// Lines over ordered categories (months).
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub unit: Unit,
}

/// Horizontal bars, one per labelled item, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizontalBars {
    pub items: Vec<(String, f64)>,
    pub unit: Unit,
    pub color: &'static str,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
/// Room for category labels and the legend below the plot.
const BOTTOM: f64 = 64.0;

/// Escapes text for an SVG text node or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A value as a French reader writes it: « 1 234 », « 30 % », « 45 j ».
pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => group_thousands(value.round() as i64),
        Unit::Share => format!("{}\u{a0}%", group_thousands((value * 100.0).round() as i64)),
        Unit::Days => format!("{}\u{a0}j", group_thousands(value.round() as i64)),
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A round upper bound for the axis, so ticks fall on readable values.
fn nice_max(max: f64, unit: Unit) -> f64 {
    if unit == Unit::Share {
        // Shares read best on a 0–100 % axis unless they are all small.
        return if max <= 0.5 { 0.5 } else { 1.0 };
    }
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn finite_max<'a>(values: impl Iterator<Item = &'a Option<f64>>) -> f64 {
    values.filter_map(|v| *v).filter(|v| v.is_finite()).fold(0.0, f64::max)
}

fn open(svg: &mut String, height: f64) {
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="12">"#
    );
}

fn text(svg: &mut String, x: f64, y: f64, anchor: &str, size: f64, fill: &str, content: &str) {
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{}</text>"#,
        escape(content)
    );
}

/// How many intervals the axis has: five when that makes round ticks (0–10 by 2,
/// 0–50 % by 10), else four, so no tick is a rounded 37.5 %.
fn intervals(max: f64, unit: Unit) -> u32 {
    let m = if unit == Unit::Share { max * 100.0 } else { max };
    if ((m / 5.0).fract()).abs() < 1e-9 {
        5
    } else {
        4
    }
}

/// A tick's label: whole values as [`format_value`]; a fractional one keeps a decimal
/// (« 2,5 ») rather than being rounded to a wrong whole number.
fn format_tick(value: f64, unit: Unit) -> String {
    let shown = if unit == Unit::Share { value * 100.0 } else { value };
    if (shown - shown.round()).abs() < 1e-9 {
        return format_value(value, unit);
    }
    let text = format!("{shown:.1}").replace('.', ",");
    match unit {
        Unit::Count => text,
        Unit::Share => format!("{text}\u{a0}%"),
        Unit::Days => format!("{text}\u{a0}j"),
    }
}

/// The value axis with its gridlines.
fn axis(svg: &mut String, max: f64, unit: Unit, plot_bottom: f64) {
    let plot_height = plot_bottom - TOP;
    let n = intervals(max, unit);
    for i in 0..=n {
        let value = max * f64::from(i) / f64::from(n);
        let y = plot_bottom - plot_height * f64::from(i) / f64::from(n);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d0d0d0" stroke-width="0.8"/>"##,
            WIDTH - RIGHT
        );
        text(svg, LEFT - 6.0, y + 4.0, "end", 11.0, "#444444", &format_tick(value, unit));
    }
}

fn legend(svg: &mut String, names: &[&str], y: f64) {
    let mut x = LEFT;
    for (i, name) in names.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = write!(svg, r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{color}"/>"#, y - 10.0);
        text(svg, x + 16.0, y, "start", 12.0, "#222222", name);
        // Approximate width: the legend needs no exact measure, only no overlap.
        x += 28.0 + name.chars().count() as f64 * 6.2;
    }
}

fn reference_line(svg: &mut String, reference: &Reference, max: f64, plot_bottom: f64) {
    let y = plot_bottom - (plot_bottom - TOP) * (reference.value / max).clamp(0.0, 1.0);
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#B00020" stroke-width="1.6" stroke-dasharray="6 4"/>"##,
        WIDTH - RIGHT
    );
    text(svg, WIDTH - RIGHT - 2.0, y - 5.0, "end", 11.0, "#B00020", &reference.label);
}

/// Grouped vertical bars with their values written above them.
pub fn bar_chart(chart: &BarChart) -> String {
    let plot_bottom = HEIGHT - BOTTOM;
    let mut max = finite_max(chart.series.iter().flat_map(|s| s.values.iter()));
    if let Some(r) = &chart.reference {
        max = max.max(r.value);
    }
    let max = nice_max(max, chart.unit);
    let mut svg = String::new();
    open(&mut svg, HEIGHT);
    axis(&mut svg, max, chart.unit, plot_bottom);
    let groups = chart.categories.len().max(1) as f64;
    let group_width = (WIDTH - LEFT - RIGHT) / groups;
    let bars = chart.series.len().max(1) as f64;
    let bar_width = (group_width * 0.8 / bars).min(48.0);
    for (g, category) in chart.categories.iter().enumerate() {
        let group_x = LEFT + group_width * g as f64;
        let first_x = group_x + (group_width - bar_width * bars) / 2.0;
        for (s, series) in chart.series.iter().enumerate() {
            let Some(value) = series.values.get(g).copied().flatten().filter(|v| v.is_finite()) else {
                continue;
            };
            let h = (plot_bottom - TOP) * (value / max).clamp(0.0, 1.0);
            let x = first_x + bar_width * s as f64;
            let color = PALETTE[s % PALETTE.len()];
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{color}"/>"#,
                plot_bottom - h,
                bar_width - 2.0
            );
            text(
                &mut svg,
                x + bar_width / 2.0 - 1.0,
                plot_bottom - h - 3.0,
                "middle",
                10.0,
                "#222222",
                &format_value(value, chart.unit),
            );
        }
        text(&mut svg, group_x + group_width / 2.0, plot_bottom + 16.0, "middle", 12.0, "#222222", category);
    }
    if let Some(reference) = &chart.reference {
        reference_line(&mut svg, reference, max, plot_bottom);
    }
    let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
    legend(&mut svg, &names, HEIGHT - 14.0);
    svg.push_str("</svg>");
    svg
}

/// Lines by month, each point marked and labelled with its value.
pub fn line_chart(chart: &LineChart) -> String {
    let plot_bottom = HEIGHT - BOTTOM;
    let max = nice_max(finite_max(chart.series.iter().flat_map(|s| s.values.iter())), chart.unit);
    let mut svg = String::new();
    open(&mut svg, HEIGHT);
    axis(&mut svg, max, chart.unit, plot_bottom);
    let n = chart.categories.len().max(1) as f64;
    let step = (WIDTH - LEFT - RIGHT) / n;
    let x_of = |i: usize| LEFT + step * (i as f64 + 0.5);
    for (i, category) in chart.categories.iter().enumerate() {
        text(&mut svg, x_of(i), plot_bottom + 16.0, "middle", 12.0, "#222222", category);
    }
    for (s, series) in chart.series.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let points: Vec<(f64, f64, f64)> = series
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
            .map(|(i, v)| (x_of(i), plot_bottom - (plot_bottom - TOP) * (v / max).clamp(0.0, 1.0), v))
            .collect();
        if points.len() > 1 {
            let path: Vec<String> = points.iter().map(|(x, y, _)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2.4"/>"#,
                path.join(" ")
            );
        }
        for (x, y, v) in &points {
            let _ = write!(svg, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{color}"/>"#);
            // Values of the second series go below their point, so two close lines
            // keep their labels apart.
            let dy = if s % 2 == 0 { -8.0 } else { 16.0 };
            text(&mut svg, *x, y + dy, "middle", 10.0, color, &format_value(*v, chart.unit));
        }
    }
    let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
    legend(&mut svg, &names, HEIGHT - 14.0);
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars: long category labels (threat categories) read best this way.
pub fn horizontal_bars(chart: &HorizontalBars) -> String {
    const ROW: f64 = 24.0;
    const LABEL: f64 = 250.0;
    let rows = chart.items.len().max(1) as f64;
    let height = TOP + ROW * rows + 8.0;
    let max = nice_max(chart.items.iter().map(|(_, v)| *v).filter(|v| v.is_finite()).fold(0.0, f64::max), chart.unit);
    let mut svg = String::new();
    open(&mut svg, height);
    let span = WIDTH - LABEL - RIGHT - 48.0;
    if chart.items.is_empty() {
        text(&mut svg, WIDTH / 2.0, TOP + 14.0, "middle", 12.0, "#444444", "Aucune donnée pour la période");
    }
    for (i, (label, value)) in chart.items.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let value = if value.is_finite() { *value } else { 0.0 };
        let w = span * (value / max).clamp(0.0, 1.0);
        text(&mut svg, LABEL - 8.0, y + 15.0, "end", 12.0, "#222222", label);
        let _ = write!(
            svg,
            r#"<rect x="{LABEL}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/>"#,
            y + 3.0,
            ROW - 6.0,
            chart.color
        );
        text(&mut svg, LABEL + w + 4.0, y + 15.0, "start", 11.0, "#222222", &format_value(value, chart.unit));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(values: Vec<Option<f64>>, unit: Unit) -> BarChart {
        BarChart {
            categories: (0..values.len()).map(|i| format!("R{i}")).collect(),
            series: vec![Series { name: "Séances".into(), values }],
            unit,
            reference: None,
        }
    }

    /// The heights of the bars drawn, in order.
    fn heights(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .filter(|r| !r.contains("width=\"12\""))
            .filter_map(|r| r.split("height=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn bars_are_proportional_to_their_values() {
        let svg = bar_chart(&bars(vec![Some(10.0), Some(5.0), Some(0.0)], Unit::Count));
        let h = heights(&svg);
        assert_eq!(h.len(), 3);
        assert!((h[0] - 2.0 * h[1]).abs() < 0.2, "{h:?}");
        assert_eq!(h[2], 0.0);
        assert!(svg.contains(">10</text>") && svg.contains(">5</text>"));
    }

    #[test]
    fn missing_values_draw_no_bar_and_empty_data_does_not_divide_by_zero() {
        let svg = bar_chart(&bars(vec![None, Some(0.0)], Unit::Count));
        assert_eq!(heights(&svg).len(), 1);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let svg = bar_chart(&bars(vec![], Unit::Count));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let svg = line_chart(&LineChart {
            categories: vec!["oct.".into()],
            series: vec![Series { name: "x".into(), values: vec![Some(f64::NAN)] }],
            unit: Unit::Count,
        });
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn the_reference_line_sits_at_30_percent_of_a_share_axis() {
        let mut chart = bars(vec![Some(0.1), Some(0.45)], Unit::Share);
        chart.reference = Some(Reference { value: 0.3, label: "Référence 30 %".into() });
        let svg = bar_chart(&chart);
        // Axis 0–50 %: 30 % is at 60 % of the plot's height from the bottom.
        let plot_bottom = HEIGHT - BOTTOM;
        let expected = plot_bottom - (plot_bottom - TOP) * 0.6;
        assert!(svg.contains(&format!("y1=\"{expected:.1}\" x2")), "{svg}");
        assert!(svg.contains("stroke-dasharray") && svg.contains("Référence 30"));
        assert!(svg.contains(">45\u{a0}%</text>"));
    }

    #[test]
    fn labels_are_escaped_so_they_cannot_inject_markup() {
        let mut chart = bars(vec![Some(1.0)], Unit::Count);
        chart.categories = vec!["<script>&\"'</script>".into()];
        let svg = bar_chart(&chart);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt;"));
        let svg = horizontal_bars(&HorizontalBars {
            items: vec![("a</text><x>\u{1}".into(), 2.0)],
            unit: Unit::Count,
            color: PALETTE[0],
        });
        assert!(!svg.contains("<x>") && !svg.contains('\u{1}'));
    }

    #[test]
    fn lines_join_the_months_that_have_data() {
        let svg = line_chart(&LineChart {
            categories: vec!["oct.".into(), "nov.".into(), "déc.".into()],
            series: vec![Series { name: "Séances".into(), values: vec![Some(4.0), None, Some(8.0)] }],
            unit: Unit::Count,
        });
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains(">déc.</text>"));
    }

    #[test]
    fn horizontal_bars_keep_the_order_given_and_say_when_empty() {
        let svg = horizontal_bars(&HorizontalBars {
            items: vec![("Banditisme".into(), 6.0), ("Vol de bétail".into(), 3.0)],
            unit: Unit::Count,
            color: PALETTE[5],
        });
        let first = svg.find("Banditisme").unwrap();
        assert!(first < svg.find("Vol de bétail").unwrap());
        let empty = horizontal_bars(&HorizontalBars { items: vec![], unit: Unit::Count, color: PALETTE[0] });
        assert!(empty.contains("Aucune donnée"));
    }

    #[test]
    fn values_read_the_french_way() {
        assert_eq!(format_value(2797.0, Unit::Count), "2\u{202f}797");
        assert_eq!(format_value(0.304, Unit::Share), "30\u{a0}%");
        assert_eq!(format_value(45.4, Unit::Days), "45\u{a0}j");
        assert_eq!(format_value(-1234.0, Unit::Count), "-1\u{202f}234");
    }

    #[test]
    fn ticks_are_round_or_keep_their_decimal() {
        assert_eq!(intervals(10.0, Unit::Count), 5);
        assert_eq!(intervals(0.5, Unit::Share), 5);
        assert_eq!(intervals(1.0, Unit::Share), 5);
        assert_eq!(intervals(2.0, Unit::Count), 4);
        assert_eq!(format_tick(2.5, Unit::Count), "2,5");
        assert_eq!(format_tick(0.375, Unit::Share), "37,5\u{a0}%");
        assert_eq!(format_tick(0.3, Unit::Share), "30\u{a0}%");
        let svg = bar_chart(&bars(vec![Some(0.16)], Unit::Share));
        assert!(svg.contains(">40\u{a0}%</text>") && !svg.contains(">38"), "{svg}");
    }

    #[test]
    fn the_axis_ends_on_a_round_value() {
        assert_eq!(nice_max(7.0, Unit::Count), 10.0);
        assert_eq!(nice_max(23.0, Unit::Count), 25.0);
        assert_eq!(nice_max(0.0, Unit::Count), 1.0);
        assert_eq!(nice_max(0.62, Unit::Share), 1.0);
        assert_eq!(nice_max(0.2, Unit::Share), 0.5);
    }
}
