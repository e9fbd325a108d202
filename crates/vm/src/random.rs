//! Random schedules for front ends (`lbos run --schedule random`, the browser's Random step):
//! a small seeded generator, and random values for the choices a step makes, so that every
//! front end picks them the same way.

use crate::machine::Machine;
use crate::state::State;

/// SplitMix64: small, fast and reproducible from a seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % n.max(1) as u64) as u32
    }
}

impl Machine {
    /// Choices for a step of `thread`, one choice point at a time: `pick(n)` chooses among n
    /// alternatives (which waiter a signal wakes, which value `random.choice` gives).
    pub fn random_choices(
        &self,
        state: &State,
        thread: u32,
        mut pick: impl FnMut(u32) -> u32,
    ) -> Vec<u32> {
        let mut choices: Vec<u32> = Vec::new();
        loop {
            let arities = self.choice_arities(state, thread, &choices);
            if arities.len() <= choices.len() || choices.len() >= 64 {
                return choices;
            }
            choices.push(pick(arities[choices.len()]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_in_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let xs: Vec<u32> = (0..100).map(|_| a.below(5)).collect();
        assert_eq!(xs, (0..100).map(|_| b.below(5)).collect::<Vec<_>>());
        assert!(xs.iter().all(|x| *x < 5));
        assert!(
            (0..5).all(|v| xs.contains(&v)),
            "every value occurs: {xs:?}"
        );
    }
}
