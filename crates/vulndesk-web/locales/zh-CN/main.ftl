# vulndesk 用户界面，简体中文。
nav-label = 主导航
nav-home = 首页
nav-orgs = 组织
nav-users = 用户
nav-audit = 审计日志
nav-account = 我的账户
action-logout = 退出登录
action-login = 登录
action-create = 创建
action-add = 添加
action-remove = 移除
action-save = 保存
action-enable = 启用
action-disable = 停用
action-revoke = 吊销
action-create-token = 创建令牌

field-username = 用户名
field-password = 密码
field-slug = 简称（用于网址）
field-name = 名称
field-kinds = 组织角色
field-display-name = 显示名称
field-roles = 角色
field-role = 角色
field-email = 电子邮箱
field-status = 状态

login-title = 登录 vulndesk
login-failed = 用户名或密码错误。
login-throttled = 失败次数过多，请在 { $minutes } 分钟后重试。

home-title = 首页
home-site-admin = 站点管理
home-site-admin-help = 您负责管理本 vulndesk 部署：创建组织、创建账户、查看审计日志。
home-counts = 组织数 / 账户数
home-no-orgs = 您尚未加入任何组织，请联系管理员将您加入。

orgs-title = 组织
orgs-create = 新建组织
org-members = 成员
org-add-member = 添加成员
org-edit = 编辑组织

users-title = 账户
users-create = 新建账户
users-site-admin = 站点管理员
users-disabled = 已停用
users-active = 正常

account-title = 我的账户
account-language = 界面语言
account-language-browser = 跟随浏览器
account-password = 修改密码
account-current-password = 当前密码
account-new-password = 新密码（至少 12 个字符）
account-password-wrong = 当前密码不正确。
account-tokens = API 令牌
account-token-prefix = 前缀
account-token-scope = 权限范围
account-token-last-used = 最近使用
account-token-all = 我的全部权限
account-token-never = 从未使用
account-token-created = 新的 API 令牌
account-token-once = 请立即复制：令牌只显示这一次，vulndesk 只保存其哈希值。

audit-title = 审计日志
audit-help = 所有变更与登录记录，最新的在前。日志以哈希链相连，可用 `vulndesk audit verify` 完整校验。
audit-at = 时间（UTC）
audit-actor = 操作者
audit-action = 操作
audit-object = 对象
audit-source = 来源
audit-details = 详情
audit-older = 更早的记录

role-admin = 管理员
role-coordinator = 协调员
role-triager = 分诊员
role-engineer = 工程师
role-publisher = 发布员
role-auditor = 审计员
role-admin-duty = 管理本组织的成员、设置与令牌
role-coordinator-duty = 负责 PSIRT 工作：全程跟进漏洞案件并向主管部门报送
role-triager-duty = 查看新收到的报告、确认接收并建立案件
role-engineer-duty = 复现并修复所负责产品中的漏洞
role-publisher-duty = 撰写安全公告并经发布审查后发布
role-auditor-duty = 查看本组织全部内容，但不做任何修改

kind-provider = 网络产品提供者
kind-operator = 网络运营者
kind-collection_platform = 漏洞收集平台
kind-sharing_platform = 漏洞信息共享平台

notice-org-created = 组织已创建。
notice-org-updated = 组织已保存。
notice-member-added = 成员已添加。
notice-member-removed = 角色已移除。
notice-user-created = 账户已创建。
notice-user-disabled = 账户已停用，其会话已全部结束。
notice-user-enabled = 账户已启用。
notice-password-changed = 密码已修改，其他会话已结束，请重新登录。
notice-token-revoked = 令牌已吊销。
notice-language-saved = 界面语言已保存。
notice-logged-out = 您已退出登录。

field-required = 必须填写{ $field }。
name-length = { $field }的长度须在 { $min } 到 { $max } 个字符之间。
name-character = { $field }：第 { $position } 个位置的字符“{ $ch }”不允许使用（请使用 a-z、0-9 和 -）。
name-edge = { $field }必须以字母或数字开头和结尾。
text-too-long = { $field }最多 { $max } 个字符。
password-too-short = 密码至少需要 { $min } 个字符。
unknown-kind = 未知的组织角色“{ $value }”。
unknown-role = 未知的角色“{ $value }”。
no-kinds = 请至少为组织选择一个角色。
unknown-user = 不存在名为“{ $username }”的账户。
invalid-email = “{ $value }”不是有效的电子邮箱地址。
conflict-slug = 简称“{ $slug }”已被占用。
conflict-username = 用户名“{ $username }”已被占用。
conflict-self-disable = 不能停用自己的账户。

error-unauthenticated = 请先登录，或提供有效的 API 令牌。
error-csrf = 表单已过期或来自其他网站，请刷新页面后重试。
error-not-found = 页面不存在。
error-validation = 部分字段填写有误。
error-bad-request = 无法解析请求：{ $detail }
error-media-type = 不支持的内容类型：{ $detail }
error-too-large = 请求内容过大。
error-unavailable = vulndesk 暂时无法连接数据库，请稍后重试。
error-internal = 服务器内部出错，已记录日志。
error-site-admin-only = 只有站点管理员可以执行此操作。
error-missing-role = 您需要在该组织中拥有以下角色之一：{ $roles }。
error-forbidden = 您无权执行此操作。
error-back-home = 返回首页
json-data-error = { $field }：{ $detail }
account-token-role-not-held = 您在该组织中没有这个角色，令牌不能拥有超出账户的权限。
