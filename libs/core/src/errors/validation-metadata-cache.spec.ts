import { IsInt, IsOptional, IsString, MaxLength, MetadataStorage, getMetadataStorage, validateSync } from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString() name!: string;
}
class Child extends Base {
  @IsInt() count!: number;
  @IsOptional() @IsString({ groups: ['admin'] }) note?: string;
}

const props = (ms: Array<{ propertyName: string }>) => [...new Set(ms.map((m) => m.propertyName))].sort();

describe('memoizeValidationMetadata', () => {
  it('answers as class-validator does, inherited and grouped rules included, and asks it once per question', () => {
    const storage = new MetadataStorage();
    // The rules of the two classes, registered in a storage of our own (the global one holds the app's).
    for (const m of getMetadataStorage()['validationMetadatas'].get(Base) ?? []) storage.addValidationMetadata(m);
    for (const m of getMetadataStorage()['validationMetadatas'].get(Child) ?? []) storage.addValidationMetadata(m);
    const plain = (groups?: string[]) => props(storage.getTargetValidationMetadatas(Child, '', false, false, groups));
    const expected = { none: plain(), admin: plain(['admin']), base: props(storage.getTargetValidationMetadatas(Base, '', false, false)) };
    expect(expected.none).toEqual(['count', 'name', 'note']);
    expect(expected.admin).toEqual(['note']);

    const lookup = jest.spyOn(storage, 'getTargetValidationMetadatas');
    memoizeValidationMetadata(storage);
    memoizeValidationMetadata(storage);
    for (let i = 0; i < 3; i++) {
      expect(plain()).toEqual(expected.none);
      expect(plain(['admin'])).toEqual(expected.admin);
      expect(props(storage.getTargetValidationMetadatas(Base, '', false, false))).toEqual(expected.base);
    }
    expect(lookup).toHaveBeenCalledTimes(3);
  });

  it('never answers from before a rule registered later', () => {
    const storage = new MetadataStorage();
    for (const m of getMetadataStorage()['validationMetadatas'].get(Base) ?? []) storage.addValidationMetadata(m);
    memoizeValidationMetadata(storage);
    expect(props(storage.getTargetValidationMetadatas(Base, '', false, false))).toEqual(['name']);
    class Later {
      @MaxLength(3) code!: string;
    }
    const rule = getMetadataStorage()['validationMetadatas'].get(Later)![0];
    storage.addValidationMetadata({ ...rule, target: Base } as typeof rule);
    expect(props(storage.getTargetValidationMetadatas(Base, '', false, false))).toEqual(['code', 'name']);
  });

  it('validates through the memoized global storage as before', () => {
    memoizeValidationMetadata();
    const bad = Object.assign(new Child(), { name: 5, count: 'x' });
    expect(
      validateSync(bad)
        .map((e) => e.property)
        .sort(),
    ).toEqual(['count', 'name']);
    expect(validateSync(Object.assign(new Child(), { name: 'a', count: 1 }))).toEqual([]);
    expect(validateSync(Object.assign(new Child(), { name: 'a', count: 1, note: 5 }), { groups: ['admin'] }).map((e) => e.property)).toEqual(['note']);
  });
});
