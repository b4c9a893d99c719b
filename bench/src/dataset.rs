//! The synthetic registry: organisations, projects and grants drawn from the real DSI4EU export.
//!
//! Each synthetic organisation takes its type, its size, its place, its classification and its
//! tags from *independently* chosen real organisations, so every one of those distributions is
//! the export's own (the correlations between them are not kept, which a benchmark does not
//! need). Projects are drawn the same way from the real projects. The export has no grants;
//! they are invented: a funder from a pool of 1% of the organisations, a recipient and an
//! amount (log-uniform from 1,000 to 1,000,000 EUR) at random.
//!
//! The export links 1.1 organisations to a project; here each project has 1 to 4 participants
//! (2.5 on average), so that an organisation takes part in 5 projects on average and the
//! "50 organisations → 5 projects each" query has its shape.
//!
//! Everything comes from one seeded generator: the same scale and seed give the same registry,
//! ids included.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use panorama_domain::evaluation::SplitMix64;
use panorama_domain::*;
use rust_decimal::Decimal;
use uuid::Uuid;

/// The domain's seedable generator (the one the suggestions' evaluation shuffles with), with
/// what drawing a dataset needs besides.
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A time-ordered (v7) id at `at`, its random bits from this generator.
    pub fn uuid_at(&mut self, at: DateTime<Utc>) -> Uuid {
        let random = self.next_u64().to_le_bytes();
        let more = self.next_u64().to_le_bytes();
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&random);
        bytes[8..].copy_from_slice(&more[..2]);
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

/// How many records of each kind; `scale` 1.0 is the 100,000 / 200,000 / 300,000.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub organisations: usize,
    pub projects: usize,
    pub grants: usize,
}

impl Size {
    pub fn at_scale(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as usize).max(10);
        Self {
            organisations: n(100_000.0),
            projects: n(200_000.0),
            grants: n(300_000.0),
        }
    }
}

/// The real records the synthetic ones are drawn from.
pub struct Templates {
    pub organisations: Vec<Organisation>,
    pub projects: Vec<Project>,
}

pub struct Dataset {
    pub organisations: Vec<Organisation>,
    pub projects: Vec<Project>,
    pub participations: Vec<Participation>,
    pub grants: Vec<Grant>,
}

/// When the synthetic registry's records were created: one a second from here.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn meta(rng: &mut Rng, n: usize) -> RecordMeta {
    let at = epoch() + Duration::seconds(n as i64);
    RecordMeta {
        id: rng.uuid_at(at),
        created_at: at,
        updated_at: at,
        version: 1,
        status: RecordStatus::Published,
        owner_partner: None,
        source: Source::Import("benchmark".to_owned()),
        created_by: None,
    }
}

/// A place near a real one: the same country, region and city, the point moved by up to
/// ±0.05° so that "nearest" queries do not meet a thousand records on one spot.
fn place_near(rng: &mut Rng, place: &Place) -> Place {
    let mut place = place.clone();
    if let Some(point) = place.point.as_mut() {
        point.latitude = (point.latitude + (rng.unit() - 0.5) * 0.1).clamp(-90.0, 90.0);
        point.longitude = (point.longitude + (rng.unit() - 0.5) * 0.1).clamp(-180.0, 180.0);
    }
    place
}

pub fn generate(templates: &Templates, size: Size, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let organisations = organisations(&mut rng, templates, size.organisations);
    let projects = projects(&mut rng, templates, size.projects, size.organisations);
    let participations = participations(&mut rng, &organisations, &projects);
    let grants = grants(&mut rng, &organisations, &participations, size);
    Dataset {
        organisations,
        projects,
        participations,
        grants,
    }
}

fn organisations(rng: &mut Rng, templates: &Templates, count: usize) -> Vec<Organisation> {
    let real = &templates.organisations;
    (0..count)
        .map(|n| {
            let named = rng.pick(real);
            let mut o = named.clone();
            o.meta = meta(rng, n);
            o.name = format!("{} {n}", named.name);
            o.slug = format!("org-{n}");
            o.organisation_type = rng.pick(real).organisation_type.clone();
            o.size = rng.pick(real).size.clone();
            let placed = rng.pick(real);
            o.place = place_near(rng, &placed.place);
            o.classification = rng.pick(real).classification.clone();
            let tagged = rng.pick(real);
            o.tags = tagged.tags.clone();
            o.network_memberships = tagged.network_memberships.clone();
            let described = rng.pick(real);
            o.short_description = described.short_description.clone();
            o.description = described.description.clone();
            o
        })
        .collect()
}

fn projects(rng: &mut Rng, templates: &Templates, count: usize, offset: usize) -> Vec<Project> {
    let real = &templates.projects;
    (0..count)
        .map(|n| {
            let named = rng.pick(real);
            let mut p = named.clone();
            p.meta = meta(rng, offset + n);
            p.title = format!("{} {n}", named.title);
            p.slug = format!("project-{n}");
            let placed = rng.pick(real);
            p.place = place_near(rng, &placed.place);
            p.classification = rng.pick(real).classification.clone();
            let described = rng.pick(real);
            p.short_description = described.short_description.clone();
            p.description = described.description.clone();
            p.social_impact = described.social_impact.clone();
            p
        })
        .collect()
}

fn participations(
    rng: &mut Rng,
    organisations: &[Organisation],
    projects: &[Project],
) -> Vec<Participation> {
    let mut rows = Vec::new();
    for project in projects {
        let count = 1 + rng.below(4);
        let mut chosen: Vec<Uuid> = Vec::with_capacity(count);
        for _ in 0..count {
            let id = rng.pick(organisations).meta.id;
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        for (i, organisation_id) in chosen.into_iter().enumerate() {
            let role = if i == 0 {
                ParticipationRole::Lead
            } else {
                ParticipationRole::Partner
            };
            rows.push(Participation {
                project_id: project.meta.id,
                organisation_id,
                role,
            });
        }
    }
    rows
}

fn grants(
    rng: &mut Rng,
    organisations: &[Organisation],
    participations: &[Participation],
    size: Size,
) -> Vec<Grant> {
    let funders = &organisations[..(organisations.len() / 100).max(1)];
    let first_day = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let offset = size.organisations + size.projects;
    (0..size.grants)
        .map(|n| {
            let funder = rng.pick(funders);
            // A grant to a project's lead half the time, else to any organisation.
            let (recipient_id, project_id) = if rng.below(2) == 0 {
                let p = rng.pick(participations);
                (p.organisation_id, Some(p.project_id))
            } else {
                (rng.pick(organisations).meta.id, None)
            };
            let amount = (1_000.0 * 1_000f64.powf(rng.unit())).round() as i64;
            Grant {
                meta: meta(rng, offset + n),
                identifier: format!("360G-bench-{n}"),
                title: format!("Grant {n} from {}", funder.name),
                description: None,
                amount_awarded: Money {
                    amount: Decimal::from(amount),
                    currency: "EUR".to_owned(),
                },
                amount_applied_for: None,
                amount_disbursed: None,
                award_date: first_day + Duration::days(rng.below(3650) as i64),
                planned_start: None,
                planned_end: None,
                funder_id: funder.meta.id,
                recipient_id,
                project_id,
                programme: None,
                beneficiary_countries: Vec::new(),
                classifications: Vec::new(),
            }
        })
        .collect()
}
