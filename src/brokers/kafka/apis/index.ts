// Kafka APIs the client library lacks (or decodes wrongly), written with its own createAPI/Writer/Reader, one
// file per API, and the one way to send them to a group's coordinator.
//
//   callGroupCoordinator(admin, group, def, ...args)   FindCoordinator(group), then `def` to that node: the response
//   callGroupCoordinators(admin, groups, def, args)    many groups: per coordinator, 100 groups per request
//   supports(admin, def) / apiVersion(admin, def)      whether (and which version) the broker speaks `def`
//   ApiDef                                             how to add one: key, name, versions, request(), response()
//   groupsByCoordinator(admin, groups), connectionTo(admin, node)   the FindCoordinator step alone (coordinator.ts)
//
//   consumerGroupDescribe   API 69 v0-v1 (KIP-848; v1 adds MemberType)   epochs, current and target assignment
//   shareGroupDescribe      API 77 v1 (KIP-932)                          state, epochs, members, assignment
//   streamsGroupDescribe    API 89 v0 (KIP-1071)                         state, epochs, topology, members, tasks
//   describeShareGroupOffsets  API 90 v0-v1 (KIP-932; v1 adds Lag, KIP-1226)  start offset, leader epoch, lag
//   alterShareGroupOffsets     API 91 v0 (KIP-932)                          set start offsets (group without members)
//   deleteShareGroupOffsets    API 92 v0 (KIP-932)                          delete the share state of topics
//
// A broker without the API (Kafka 3.9 has no share or streams groups) makes callGroupCoordinator(s) throw a
// CgError 'unsupported' (exit 4); check supports() first to skip quietly. Per-group errors (GROUP_ID_NOT_FOUND:
// the group is of another type) come back in the response as errorCode, never thrown.
// Group types (ListGroups v5) are in kafka-inspect.ts: listGroups(adapter, types?) gives each group's `type`,
// groupTypeOf(adapter, group) one group's; describeGroups(adapter, groups, types?) describes any type.
export {type ApiDef, apiVersion, callGroupCoordinator, callGroupCoordinators, connectionTo, groupsByCoordinator, supports} from './coordinator.js'
export {type ConsumerGroupDescribed, type ConsumerGroupMember, consumerGroupDescribe} from './consumer-group-describe.js'
export {type AlterShareOffsetsResponse, alterShareGroupOffsets} from './alter-share-group-offsets.js'
export {type DeleteShareOffsetsResponse, deleteShareGroupOffsets} from './delete-share-group-offsets.js'
export {describeShareGroupOffsets, type ShareOffsetsGroup, type ShareOffsetsPartition} from './describe-share-group-offsets.js'
export {type ShareGroupDescribed, type ShareGroupMember, shareGroupDescribe} from './share-group-describe.js'
export {
  type StreamsAssignment,
  type StreamsGroupDescribed,
  type StreamsGroupMember,
  type StreamsSubtopology,
  type StreamsTaskOffset,
  type StreamsTasks,
  type StreamsTopicInfo,
  streamsGroupDescribe,
} from './streams-group-describe.js'
