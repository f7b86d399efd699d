import { TestBed } from '@angular/core/testing';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { NotFoundPage } from './not-found.page';

describe('NotFoundPage', () => {
  it('links back to the runbooks', async () => {
    configureApp();
    const fixture = TestBed.createComponent(NotFoundPage);
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(textOf(el)).toContain('This page does not exist');
    expect(el.querySelector('a')?.getAttribute('href')).toBe('/runbooks');
  });
});
