import {describe, expect, it} from 'vitest'
import {parseBrokerUrl} from '../../src/profiles/broker-url.js'

describe('parseBrokerUrl: every part checked, nothing dropped', () => {
  it('takes apart what each broker uses', () => {
    expect(parseBrokerUrl('redis://u:p%40ss@127.0.0.1:6380/3')).toEqual({
      scheme: 'redis',
      tls: false,
      username: 'u',
      password: 'p@ss',
      hosts: [{host: '127.0.0.1', port: 6380}],
      db: 3,
    })
    expect(parseBrokerUrl('rediss://:pw@[::1]')).toMatchObject({tls: true, password: 'pw', hosts: [{host: '::1', port: null}]})
    expect(parseBrokerUrl('kafka://k1:9092,k2').hosts).toEqual([
      {host: 'k1', port: 9092},
      {host: 'k2', port: null},
    ])
    expect(parseBrokerUrl('amqps://h/%2F')).toMatchObject({tls: true, vhost: '/'})
    expect(parseBrokerUrl('amqp://h:5672').vhost).toBeUndefined()
  })

  it('redis+sentinel:// lists the sentinels, then the master name and the database', () => {
    expect(parseBrokerUrl('redis+sentinel://u:pw@s1:26380,s2/my%2Fmaster/2')).toEqual({
      scheme: 'redis+sentinel',
      tls: false,
      username: 'u',
      password: 'pw',
      hosts: [
        {host: 's1', port: 26380},
        {host: 's2', port: null},
      ],
      master: 'my/master',
      db: 2,
    })
    expect(parseBrokerUrl('rediss+sentinel://s1:26380/m')).toMatchObject({tls: true, master: 'm'})
    expect(parseBrokerUrl('rediss+sentinel://s1:26380/m').db).toBeUndefined()
  })

  it.each([
    ['redis://127.0.0.1:6379/abc', /database "abc" is not a number/],
    ['redis://127.0.0.1:6379/-1', /database "-1" is not a number/],
    ['redis://127.0.0.1:6379/1abc', /database "1abc" is not a number/],
    ['redis://127.0.0.1:99999', /port 99999 is out of range/],
    ['redis://127.0.0.1:0', /port 0 is out of range/],
    ['redis://127.0.0.1:abc', /port "abc" is not a number/],
    ['redis://:6394', /host is missing/],
    ['redis://', /host is missing/],
    ['redis://h:1,h:2', /only kafka:\/\/ and redis\+sentinel:\/\/ URLs list several hosts/],
    ['redis+sentinel://h:26379', /master name is missing/],
    ['redis+sentinel://h:26379/', /master name is missing/],
    ['redis+sentinel://h:26379/m/x', /database "x" is not a number/],
    ['redis://h?db=1', /no \?query/],
    ['kafka://127.0.0.1:notaport', /port "notaport" is not a number/],
    ['kafka://h:9092/x', /has no path/],
    ['amqp://h/%zz', /vhost has malformed %-encoding/],
    ['amqp://u%zz@h', /username has malformed %-encoding/],
  ])('%s is a usage error naming the part', (url, message) => {
    expect(() => parseBrokerUrl(url, '--url')).toThrow(message)
    try {
      parseBrokerUrl(url, '--url')
    } catch (error) {
      expect((error as {exitCode: number}).exitCode).toBe(2)
    }
  })

  it('never shows the password of a URL it refuses', () => {
    for (const url of ['redis://u:s3cr%zzet@h:1', 'redis://u:s3cret@h:99999', 'amqp://u:s3c/ret@h']) {
      expect(() => parseBrokerUrl(url)).toThrow()
      try {
        parseBrokerUrl(url)
      } catch (error) {
        expect(String((error as Error).message)).not.toMatch(/s3c/)
      }
    }
  })
})
