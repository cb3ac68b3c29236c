# Regenerates cases.json from the Python jmespath library the AWS CLI uses:
#   python3 gen.py > cases.json
import json, jmespath
data = json.loads('''{"tunnel": {"tunnelId": "t-1", "status": "OPEN", "n": 3, "f": 1.5, "z": 0, "b": true,
 "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": ""}, {"key": "a", "value": "z"}],
 "nums": [3, 1.5, 2, -7], "strs": ["b", "a", "c"], "nested": [[1, 2], [3, [4]], 5], "empty": [], "eo": {},
 "createdAt": 1700000000.0, "desc": "caf\u00e9 \u96a7\u9053"}}''')
exprs = """tunnel.tunnelId
tunnel.{b:status,a:tunnelId}
tunnel.tags[].key
tunnel.tags[?key=='env'].value
tunnel.tags[?value].key
tunnel.tags[?!value].key
length(tunnel.tags)
length(tunnel.desc)
tunnel.nums[0]
tunnel.nums[-1]
tunnel.nums[10]
tunnel.nums[1:3]
tunnel.nums[::-1]
tunnel.nums[::2]
tunnel.nums[-2:]
tunnel.nums[::0]
tunnel.nested[]
tunnel.nested[][]
tunnel.*
tunnel.* | length(@)
tunnel.tags[*].value
tunnel.tags[0].*
sort(tunnel.strs)
sort(tunnel.nums)
sort_by(tunnel.tags, &key)[].key
max_by(tunnel.tags, &key).key
min_by(tunnel.tags, &key).key
max(tunnel.nums)
min(tunnel.strs)
sum(tunnel.nums)
sum(`[1,2]`)
avg(tunnel.nums)
avg(tunnel.empty)
abs(`-3`)
abs(`-3.5`)
ceil(tunnel.f)
floor(tunnel.f)
to_string(tunnel.tags[0])
to_string(tunnel.desc)
to_string(tunnel.createdAt)
to_number('12')
to_number('1.5')
to_number('abc')
to_array(tunnel.n)
type(tunnel.b)
type(tunnel.eo)
keys(tunnel.tags[0])
values(tunnel.tags[0])
merge(tunnel.tags[0], `{"key": "x", "new": 1}`)
join(', ', tunnel.strs)
contains(tunnel.strs, 'a')
contains(tunnel.desc, 'caf')
starts_with(tunnel.desc, 'caf')
ends_with(tunnel.tunnelId, '1')
reverse(tunnel.strs)
reverse(tunnel.desc)
not_null(tunnel.missing, tunnel.n)
map(&key, tunnel.tags)
tunnel.n > `2`
tunnel.n < tunnel.f
tunnel.status < tunnel.n
tunnel.z == `false`
tunnel.b == `true`
`1` == `1.0`
!tunnel.z
!tunnel.empty
tunnel.empty || tunnel.strs
tunnel.strs && tunnel.n
tunnel.missing.x
tunnel.tunnelId.x
[tunnel.n, tunnel.f]
tunnel.[n, f]
length(tunnel.n)
sum(tunnel.strs)
foo(tunnel)
length()
not_null()
tunnel.[
tunnel.
[
tunnel..x
tunnel.tags[?key==`env`]
tunnel.tags[?key = 'env']
tunnel.tags[?key == 'env'
a.b.c.d | e
"tunnel"."tunnelId"
"tunnel"(a)
tunnel.tags[0](a)
tunnel[0]
@.tunnel.n
`{"a": [1, 2.0]}`
`foo`
'raw\\'s'
tunnel.{"quoted key": n}
tunnel | [n, f] | sum(@)
tunnel.nums[?@ > `1`]
~
-
tunnel.tags[?key=='env'] | [0].value
*.tags[].key
tunnel.tags[*].[key, value]
sort_by(tunnel.nums, &@)
sort_by(tunnel.tags, &missing)
max_by(tunnel.nums, &@)
tunnel.nested[0][1]
tunnel.tags[0:2].key
{a: tunnel.n}.a
tunnel.{a: n, b: {c: f}}
merge(`{}`, tunnel.missing)
merge(`{}`, '')
merge(`{}`, `[["a", 1], "bc", {"x": 1, "y": 2}]`)
merge(`{}`, `[1]`)
merge(`{}`, `"ab"`)
merge(`{}`, `[["a"]]`)
merge(`{}`, `[[["a"], 1]]`)
ceil(to_number('inf'))
floor(to_number('-inf'))
ceil(to_number('nan'))
floor(`1e300`)
type(&key)
to_number(&key)
tunnel.nums[99999999999999999999]
tunnel.nums[-99999999999999999999]
tunnel.nums[::99999999999999999999]
tunnel.nums[::-99999999999999999999]
tunnel.nums[99999999999999999999:]
tunnel.nums[-99999999999999999999:2]
tunnel.nums[1::9223372036854775807]
tunnel.nums[-2::-9223372036854775807]
tunnel 99999999999999999999
to_number('1e500')
to_number('-1e500')
to_number('0x1p4')
to_number('0x10')
to_number('١٢')
to_number('٣.٥')
to_number('1__0')
to_number('1_')
to_number('_1')
to_number('1_0.5')
to_number(' 12 ')
to_number('1e3')
to_number('.5')
to_number('5.')
to_number('-Infinity')
to_number('99999999999999999999')
`9007199254740993` == `9007199254740992.0`
`9007199254740993` > `9007199254740992.0`
`9007199254740992.0` < `9007199254740993`
`9223372036854775807` == `9223372036854775808.0`
contains(`[9007199254740993]`, `9007199254740992.0`)
sort(`[9007199254740993, 9007199254740992.0, 9007199254740992]`)
sort_by(`[{"a": 9007199254740993}, {"a": 9007199254740992.0}]`, &a)
abs(`-9223372036854775808`)
sum(`[4611686018427387904, 4611686018427387904]`)
sum(`[4611686018427387904, 4611686018427387904, 0.5, -1]`)
sum(`[-9223372036854775808, -1]`)
sum(`[-0.0]`)
avg(`[9223372036854775807, 9223372036854775807]`)
avg(`[9007199254740993, 0]`)
to_number('nan') <= `1`
`1` >= to_number('nan')
``
`a`
to_number('12')""".split("\n")
out = []
for e in exprs:
    try:
        r = jmespath.search(e, data)
        out.append({"expr": e, "result": json.dumps(r, ensure_ascii=False)})
    except Exception as ex:
        out.append({"expr": e, "error": str(ex)})
print(json.dumps({"data": json.dumps(data, ensure_ascii=False), "cases": out}, indent=1, ensure_ascii=False))
