// The shared word list every bundled site builds its entity names from (products, users,
// repositories, places, forums), and the seeded random numbers they are drawn with. Real
// catalogues reuse words ("Blue Ceramic Mug", "Blue Linen Apron"); so do ours, which is what
// lets a held-out entity be a new combination of words the training pages also show.

import { hashString } from '../data/random.js';

export { Rng, hashString, rngFor } from '../data/random.js';

/**
 * Which split an entity belongs to: about one in five is held out for `test`. Decided by the
 * entity's name, so it does not change when other entities are added.
 */
export function entitySplit(name: string): 'train' | 'test' {
  return hashString(`split:${name}`) % 5 === 0 ? 'test' : 'train';
}

export const COLORS = ['Red', 'Blue', 'Green', 'Black', 'White', 'Grey', 'Yellow', 'Orange', 'Purple', 'Pink', 'Teal', 'Navy', 'Olive', 'Amber', 'Ivory', 'Coral'] as const;

export const ADJECTIVES = [
  'Quiet', 'Bright', 'Swift', 'Silver', 'Golden', 'Rustic', 'Modern', 'Classic', 'Cozy', 'Bold',
  'Gentle', 'Wild', 'Urban', 'Sunny', 'Misty', 'Northern', 'Southern', 'Little', 'Grand', 'Hidden',
  'Lucky', 'Happy', 'Clever', 'Brave', 'Calm', 'Crisp', 'Fresh', 'Lazy', 'Noble', 'Royal',
] as const;

export const MATERIALS = ['Ceramic', 'Linen', 'Oak', 'Walnut', 'Bamboo', 'Cotton', 'Wool', 'Leather', 'Steel', 'Copper', 'Glass', 'Marble', 'Stone', 'Canvas', 'Velvet', 'Cork'] as const;

export const THINGS = [
  'Mug', 'Lamp', 'Planter', 'Apron', 'Blanket', 'Bowl', 'Vase', 'Cushion', 'Tray', 'Candle',
  'Kettle', 'Teapot', 'Clock', 'Mirror', 'Basket', 'Stool', 'Shelf', 'Towel', 'Notebook', 'Backpack',
  'Jacket', 'Scarf', 'Wallet', 'Bottle', 'Jar', 'Rug', 'Frame', 'Plate', 'Spoon', 'Board',
] as const;

export const ANIMALS = ['Fox', 'Owl', 'Bear', 'Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Wolf', 'Hare', 'Raven', 'Seal', 'Panda', 'Tiger', 'Moose', 'Finch'] as const;

export const NATURE = ['River', 'Maple', 'Cedar', 'Harbor', 'Meadow', 'Summit', 'Valley', 'Lake', 'Forest', 'Canyon', 'Brook', 'Garden', 'Hill', 'Bay', 'Park', 'Ridge'] as const;

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Maya', 'Omar', 'Priya', 'Ravi', 'Sofia', 'Tomas',
  'Yuki', 'Zara', 'Elena', 'Felix', 'Hana', 'Ivan', 'Jonas', 'Kira', 'Lena', 'Marco',
  'Nina', 'Oscar', 'Paula', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Uma', 'Victor', 'Wen',
] as const;

export const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Okafor', 'Silva', 'Novak', 'Tanaka', 'Patel', 'Moreau', 'Berg',
  'Costa', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'Larsen', 'Mendes', 'Nakamura',
] as const;

export const TECH = ['api', 'cache', 'parser', 'router', 'engine', 'client', 'server', 'toolkit', 'viewer', 'sync', 'store', 'bridge', 'forge', 'lens', 'pilot', 'queue'] as const;

export const PLACE_KINDS = ['Cafe', 'Bakery', 'Library', 'Museum', 'Pharmacy', 'Hotel', 'Gym', 'Bookstore', 'Market', 'Cinema', 'Clinic', 'Restaurant'] as const;

export const STREET_KINDS = ['Street', 'Avenue', 'Road', 'Lane', 'Way', 'Place'] as const;

export const TOPICS = ['Cooking', 'Gardening', 'Cycling', 'Photography', 'Woodworking', 'Astronomy', 'Running', 'Knitting', 'Chess', 'Travel', 'Music', 'Books'] as const;

/** Title-cases a lower-case slug word ("cedar" -> "Cedar"). */
export const titleCase = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** URL slug of a name ("Blue Ceramic Mug" -> "blue-ceramic-mug"). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
