//! Lists of numbers for records `0..n`, kept in two arrays rather than a list each (the
//! compressed sparse row layout): a graph's neighbours, a record's classes. On registries of a
//! hundred thousand records, a list each costs an allocation and a header each.

/// Lists of numbers for records `0..n` in two arrays, rather than a list each: record `i`'s
/// are `values[starts[i]..starts[i + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    starts: Vec<u32>,
    values: Vec<u32>,
}

impl Lists {
    /// The lists of `n` records from `(record, value)` pairs, in any order; repeats count once.
    pub fn from_pairs(n: usize, mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut starts = Vec::with_capacity(n + 1);
        let mut values = Vec::with_capacity(pairs.len());
        let mut next = pairs.iter().peekable();
        for record in 0..n as u32 {
            starts.push(values.len() as u32);
            while let Some((_, value)) = next.next_if(|(r, _)| *r == record) {
                values.push(*value);
            }
        }
        starts.push(values.len() as u32);
        Self { starts, values }
    }

    pub fn of(&self, record: usize) -> &[u32] {
        &self.values[self.starts[record] as usize..self.starts[record + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hold_each_records_values_once_in_order() {
        let lists = Lists::from_pairs(4, vec![(2, 7), (0, 5), (2, 3), (0, 5), (2, 9)]);
        assert_eq!(lists.of(0), [5], "a repeated pair counts once");
        assert_eq!(lists.of(1), [] as [u32; 0]);
        assert_eq!(lists.of(2), [3, 7, 9]);
        assert_eq!(
            lists.of(3),
            [] as [u32; 0],
            "the last record has an empty list"
        );
    }
}
