import { validateDetails } from '../src/event-management';

describe('validateDetails', () => {
  it('counts characters as the database does: an emoji is one, not two UTF-16 units', () => {
    expect(() => validateDetails({ title: '😀😀' })).toThrow('3 to 120 characters');
    expect(() => validateDetails({ city: '😀' })).toThrow('2 to 80 characters');
    expect(validateDetails({ title: '😀😀😀', city: 'Zü' })).toEqual({
      title: '😀😀😀',
      city: 'Zü',
    });
  });
});
